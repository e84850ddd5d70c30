# Meetings, attendance, issues, airtime, actions and reflections arrive with the scheduling and live-meeting
# issues; the app exists now so the layout and the dependency order (accounts <- sets <- meetings) are fixed.
