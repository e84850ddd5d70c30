"""The one error a service raises when a rule says no."""


class ServiceError(Exception):
    """A rule said no. The message is for the person who asked, in plain words: views show it on the page."""
