from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from core.form_tokens import DuplicateSubmission
from learning import departure, export, queries, services
from learning.forms import JournalEntryForm, PublishForm, ShareForm
from learning.models import JournalEntry, LibraryItem
from meetings.models import Reflection
from sets import permissions

# The word typed to confirm deleting one's account: the page's language's, or the English "delete".
CONFIRM_DELETE_WORD = pgettext_lazy("typed to confirm deleting an account", "delete")


def journal(request):
    """My journal: my entries and my meeting reflections, newest first."""
    page = queries.my_journal(request.user, page_number=request.GET.get("page"))
    return render(request, "learning/journal.html", {"page": page, "items": page.object_list})


LINKS = ("learning_set", "action", "meeting", "issue")


def entry_new(request):
    """Write an entry; `?action=<id>` (or meeting, issue, learning_set) links it from the start, for a "Write in
    my journal" link beside one of those. An id the person may not link is simply not offered."""
    initial = {name: request.GET[name] for name in LINKS if request.GET.get(name, "").isdigit()}
    form = JournalEntryForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.write_entry(
                author=request.user, content=form.content(), form_token=request.POST.get("form_token", "")
            )
        except DuplicateSubmission as duplicate:
            messages.info(request, str(duplicate))
            return redirect("learning:journal")
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved in your journal. Only you can read it."))
            return redirect("learning:entry", entry_id=entry.pk)
    return render(request, "learning/entry_form.html", {"form": form})


def entry_detail(request, entry_id):
    entry = permissions.journal_entry_for_reader(
        request.user,
        JournalEntry.objects.select_related("author", "learning_set", "action", "meeting", "issue"),
        entry_id,
    )
    is_author = entry.author_id == request.user.pk
    context = {"entry": entry, "is_author": is_author}
    if is_author:
        context["share_form"] = ShareForm(user=request.user)
        context["publications"] = queries.publications_of(entry, request.user)
    return render(request, "learning/entry_detail.html", context)


def entry_edit(request, entry_id):
    entry = permissions.own_writing(request.user, JournalEntry.objects.all(), entry_id)
    form = JournalEntryForm(request.POST or None, instance=entry, user=request.user)
    if request.method == "POST" and form.is_valid():
        was_shared = entry.shared
        try:
            entry = services.update_entry(entry=entry, by=request.user, content=form.content())
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            if was_shared and not entry.shared:
                messages.warning(request, _("Saved. It moved to another set, so it is private again."))
            else:
                messages.success(request, _("Saved."))
            return redirect("learning:entry", entry_id=entry.pk)
    return render(request, "learning/entry_form.html", {"form": form, "entry": entry})


@require_POST
def entry_share(request, entry_id):
    entry = permissions.own_writing(request.user, JournalEntry.objects.select_related("learning_set"), entry_id)
    learning_set = None
    if entry.learning_set_id is None:
        form = ShareForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _("Choose one of your sets to share it with."))
            return redirect("learning:entry", entry_id=entry.pk)
        learning_set = form.cleaned_data["learning_set"]
    try:
        services.share_entry(entry=entry, by=request.user, learning_set=learning_set)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Shared with %(set)s: its members and facilitators can read it.") % {"set": entry.learning_set}
        )
    return redirect("learning:entry", entry_id=entry.pk)


@require_POST
def entry_unshare(request, entry_id):
    entry = permissions.own_writing(request.user, JournalEntry.objects.all(), entry_id)
    services.unshare_entry(entry=entry, by=request.user)
    messages.success(request, _("Private again: only you can read it."))
    return redirect("learning:entry", entry_id=entry.pk)


def entry_delete(request, entry_id):
    entry = permissions.own_writing(request.user, JournalEntry.objects.all(), entry_id)
    if request.method == "POST":
        services.delete_entry(entry=entry, by=request.user)
        messages.success(request, _("The entry is deleted for good."))
        return redirect("learning:journal")
    published = queries.is_published(entry, request.user)
    return render(request, "learning/entry_delete.html", {"entry": entry, "published": published})


def _publish(request, source, back_url):
    """Publish to the library in three steps: the form (title, text, named or anonymous), a preview of exactly
    what the library will show, and the confirmation, which publishes the signed preview and nothing else."""
    organisations = services.publishing_organisations(author=request.user, source=source)
    if not organisations:
        messages.error(request, _("You are not in an organisation with a library."))
        return redirect(back_url)
    step = request.POST.get("step")
    if request.method == "POST" and step == "confirm":
        try:
            item = services.publish_previewed(
                author=request.user,
                token=request.POST.get("token", ""),
                form_token=request.POST.get("form_token", ""),
            )
        except DuplicateSubmission as duplicate:
            messages.info(request, str(duplicate))
            return redirect(back_url)  # the entry's page lists where it is published
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Published to the library. You can withdraw it at any time."))
            return redirect("learning:library-item", item_id=item.pk)
    if request.method == "POST" and step != "edit":
        form = PublishForm(request.POST, organisations=organisations)
        if form.is_valid():
            try:
                draft = services.make_draft(
                    author=request.user,
                    source=source,
                    organisation=form.organisations[form.cleaned_data["organisation"]],
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    anonymous=form.cleaned_data["anonymous"],
                )
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                context = {
                    "form": form,
                    "draft": draft,
                    "token": services.preview_token(draft),
                    "organisation": form.organisations[draft.organisation_id],
                    "back_url": back_url,
                    "by_line": "" if draft.anonymous else request.user.display_name,
                    "today": timezone.now(),
                }
                return render(request, "learning/publish_preview.html", context)
    elif request.method == "POST":
        form = PublishForm(request.POST, organisations=organisations)
    else:
        title = getattr(source, "title", "") or _("What I learned")
        form = PublishForm(initial={"title": title, "text": services.compose_text(source)}, organisations=organisations)
    return render(request, "learning/publish_form.html", {"form": form, "source": source, "back_url": back_url})


def entry_publish(request, entry_id):
    entry = permissions.own_writing(
        request.user, JournalEntry.objects.select_related("learning_set__organisation"), entry_id
    )
    return _publish(request, entry, back_url=reverse("learning:entry", args=[entry.pk]))


def reflection_publish(request, reflection_id):
    reflection = permissions.own_writing(
        request.user, Reflection.objects.select_related("meeting__learning_set__organisation"), reflection_id
    )
    return _publish(request, reflection, back_url=reverse("learning:journal"))


def set_shared(request, set_id):
    """What the set's people shared with it: for its members and facilitators (an admin outside it gets 403)."""
    learning_set = permissions.set_for_member(request.user, set_id)
    page = queries.shared_with_set(learning_set, page_number=request.GET.get("page"))
    context = {
        "learning_set": learning_set,
        "organisation": learning_set.organisation,
        "page": page,
        "items": page.object_list,
    }
    return render(request, "learning/set_shared.html", context)


def library(request, org_slug):
    organisation = permissions.library_for_reader(request.user, org_slug)
    search = request.GET.get("q", "").strip()[:200]
    page = queries.library(organisation, search=search, page_number=request.GET.get("page"))
    context = {"organisation": organisation, "page": page, "items": page.object_list, "search": search}
    return render(request, "learning/library.html", context)


def library_item(request, item_id):
    item = permissions.library_item_for_reader(
        request.user, LibraryItem.objects.select_related("organisation"), item_id
    )
    return render(request, "learning/library_item.html", {"item": item, "organisation": item.organisation})


@require_POST
def library_withdraw(request, item_id):
    item = permissions.library_item_for_author(
        request.user, LibraryItem.objects.select_related("organisation"), item_id
    )
    services.withdraw(item=item, by=request.user)
    messages.success(request, _("Withdrawn: it is no longer in the library."))
    return redirect("learning:library", org_slug=item.organisation.slug)


def my_data(request):
    return render(request, "learning/my_data.html", {"sections": export.SECTION_TITLES})


def _download(request, chunks, extension: str, content_type: str):
    response = StreamingHttpResponse(chunks, content_type=content_type)
    filename = f"actionlearning-my-data-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def export_json(request):
    """Everything the person wrote, as JSON, streamed (rows are read in chunks)."""
    services.record_export(user=request.user, format="json")
    return _download(request, export.as_json(request.user), "json", "application/json")


def export_markdown(request):
    services.record_export(user=request.user, format="markdown")
    return _download(request, export.as_markdown(request.user), "md", "text/markdown; charset=utf-8")


def leave_organisation(request, org_slug):
    """Leave an organisation (asks once, says what goes and what the sets keep)."""
    organisation = permissions.organisation_for_member(request.user, org_slug)
    if request.method == "POST":
        try:
            departure.leave_organisation(user=request.user, organisation=organisation)
        except ServiceError as error:
            messages.error(request, str(error))
            return redirect("sets:organisation", org_slug=organisation.slug)
        messages.success(request, _("You have left %(org)s.") % {"org": organisation.name})
        return redirect("sets:home")
    return render(request, "learning/leave_organisation.html", {"organisation": organisation})


@reauthentication_required
def delete_account(request):
    """Delete my account (after the password again): says, organisation by organisation, what stays."""
    organisations = list(permissions.organisations_for(request.user))
    if request.method == "POST":
        if request.POST.get("confirm", "").strip().lower() not in {"delete", str(CONFIRM_DELETE_WORD).lower()}:
            messages.error(request, _("Type delete in the box to confirm."))
            return redirect("learning:delete-account")
        try:
            departure.delete_account(user=request.user)
        except ServiceError as error:
            messages.error(request, str(error))
            return redirect("learning:delete-account")
        logout(request)
        messages.success(request, _("Your account has been deleted."))
        return redirect("account_login")
    return render(request, "learning/delete_account.html", {"organisations": organisations})
