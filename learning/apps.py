from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "Learning journal and library"

    def ready(self) -> None:
        from learning import versions  # noqa: PLC0415 (ready(): signals and models load once the app registry is ready)
        from learning.queries import entries_linked_to_issue, shared_entries_since_last_meeting  # noqa: PLC0415 (ready(): signals and models load once the app registry is ready)
        from meetings import queries  # noqa: PLC0415 (ready(): signals and models load once the app registry is ready)

        versions.connect()

        # What the meetings app's pages show of the journal, without meetings importing this app.
        if shared_entries_since_last_meeting not in queries.SHARED_SOURCES:
            queries.SHARED_SOURCES.append(shared_entries_since_last_meeting)
        if entries_linked_to_issue not in queries.ISSUE_LEARNING_SOURCES:
            queries.ISSUE_LEARNING_SOURCES.append(entries_linked_to_issue)
