"""The meetings app's websocket routes (actionlearning/asgi.py mounts them)."""

from django.urls import path

from meetings.consumers import MeetingRoomConsumer

websocket_urlpatterns = [
    path("ws/meetings/<int:meeting_id>/", MeetingRoomConsumer.as_asgi(), name="room-socket"),
]
