"""Django's makemessages, with catalogues whose diffs stay readable: entries sorted by msgid (a new string lands in
one place, whichever file it comes from), file names without line numbers (moving a line changes nothing), no
obsolete entries, no wrapping (a changed word changes one line). Without -l or --all it updates every offered
language but the default one (settings.LANGUAGES). `make messages` runs it and then compiles."""

from django.conf import settings
from django.core.management.commands import makemessages
from django.utils.translation import to_locale


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--sort-output"]
    msguniq_options = [*makemessages.Command.msguniq_options, "--sort-output"]
    msgattrib_options = [*makemessages.Command.msgattrib_options, "--sort-output"]

    def handle(self, *args, **options):
        if not options["locale"] and not options["all"] and options["domain"] == "django":
            offered = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
            options["locale"] = [to_locale(code) for code in offered]
        if not options["add_location"] and not options["no_location"]:
            options["add_location"] = "file"
        options["no_obsolete"] = True
        options["no_wrap"] = True
        return super().handle(*args, **options)
