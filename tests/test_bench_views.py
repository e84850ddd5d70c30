"""The bench's layout floor is routed only when BENCH_VIEWS is on, and renders the base layout for whoever is
logged in (bench/run.py measures every page against it)."""

import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import actionlearning.urls


@pytest.fixture
def bench_urls(settings):
    settings.BENCH_VIEWS = True
    clear_url_caches()
    importlib.reload(actionlearning.urls)
    yield
    settings.BENCH_VIEWS = False
    with override_settings(BENCH_VIEWS=False):
        importlib.reload(actionlearning.urls)
    clear_url_caches()


def test_no_layout_floor_without_bench_views(client, member):
    client.force_login(member)
    assert client.get("/bench/layout/").status_code == 404


def test_layout_floor_renders_the_base_layout_for_the_member(bench_urls, client, member):
    client.force_login(member)
    response = client.get("/bench/layout/")
    assert response.status_code == 200
    assert "The base layout with one line of content" in response.text
    assert "My actions" in response.text  # the logged-in navigation of base.html


def test_layout_floor_asks_a_stranger_to_log_in(bench_urls, client, db):
    response = client.get("/bench/layout/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
