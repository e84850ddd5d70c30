import pytest

from tests.reliability.servers import RedisServer


@pytest.fixture
def redis_server(tmp_path):
    """A Redis of this test's own on a spare port; stopped at the end whatever happens."""
    server = RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()
