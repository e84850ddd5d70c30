"""The meetings pages, by area: scheduling.py (meetings, replies, the calendar feed, unsubscribe), live.py (the
live room, its projector, agenda, controls and record), actions.py (actions between meetings and the home's
panels), issues.py (issues across meetings) and board.py (the set board). meetings/urls.py names each module."""
