from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.forms import TimezoneForm
from accounts.versions import user_scope
from core import audit, fragments, outbox, versions
from core.form_tokens import DuplicateSubmission
from sets import invitations, permissions, queries, services
from sets.forms import (
    AddToSetForm,
    BulkInviteForm,
    InviteForm,
    OrganisationForm,
    OrganisationRoleForm,
    SetContractForm,
    SetCreateForm,
    SetDetailsForm,
    SetRoleForm,
)
from sets.middleware import TWO_FACTOR_NEEDED
from sets.models import (
    ROLE_AFTER_IS_NOW,
    LearningSet,
    Organisation,
    OrganisationMembership,
    SetMembership,
)
from sets.versions import organisation_scope, set_scope


def home(request):
    """The viewer's organisations and sets, cached for them on the versions of those organisations and sets (a
    join, a departure or a role change bumps them; the list of their ids is kept on the viewer's own version)."""
    set_ids, organisation_ids = queries.my_ids(request)

    def build_context() -> dict:
        organisations = list(queries.with_counts(permissions.organisations_for(request.user)).order_by("name"))
        sets = queries.with_member_counts(permissions.my_sets(request.user))
        by_organisation: dict[int, list[LearningSet]] = {}
        for learning_set in sets.order_by("status", "name"):
            by_organisation.setdefault(learning_set.organisation_id, []).append(learning_set)
        for organisation in organisations:
            organisation.my_sets = by_organisation.get(organisation.pk, [])
        return {"organisations": organisations, "in_a_set": bool(by_organisation)}

    scopes = [
        *(set_scope(pk) for pk in set_ids),
        *(organisation_scope(pk) for pk in organisation_ids),
        user_scope(request.user.pk),
    ]
    name = versions.for_viewer(request, "home", request.user.get_short_name())
    content = fragments.render(request, "sets/home_content.html", build_context, name=name, scopes=scopes)
    return render(request, "sets/home.html", {"content": content})


def organisation_create(request):
    form = OrganisationForm(request.POST or None, initial={"timezone": request.user.timezone})
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.create_organisation(
                name=form.cleaned_data["name"],
                timezone_name=form.cleaned_data["timezone"],
                by=request.user,
                form_token=request.POST.get("form_token", ""),
            )
        except DuplicateSubmission as duplicate:
            messages.info(request, str(duplicate))
            return redirect("sets:home")
        messages.success(request, _("%(name)s is ready. Create its first set.") % {"name": organisation.name})
        return redirect("sets:organisation", org_slug=organisation.slug)
    return render(request, "sets/organisation_form.html", {"form": form})


def organisation_detail(request, org_slug):
    """Cached for the viewer on the organisation's version (its sets, their people, its members and invitations
    all bump it)."""
    organisation = permissions.organisation_for_member(request.user, org_slug)

    def build_context() -> dict:
        sets = queries.with_member_counts(permissions.sets_for_organisation_page(request.user, organisation))
        context = {"organisation": organisation, "sets": sets.order_by("status", "name")}
        if organisation.viewer_is_admin:
            context["pending_count"] = queries.pending_invitation_count(organisation)
            context["people_count"] = queries.people_count(organisation)
        return context

    name = versions.for_viewer(request, "organisation", organisation.pk, organisation.viewer_is_admin)
    content = fragments.render(
        request,
        "sets/organisation_content.html",
        build_context,
        name=name,
        scopes=[organisation_scope(organisation.pk)],
    )
    return render(request, "sets/organisation_detail.html", {"organisation": organisation, "content": content})


def people(request, org_slug):
    organisation = permissions.organisation_for_admin(request.user, org_slug)
    memberships = queries.people(organisation)
    invitations = queries.open_invitations(organisation)
    return render(
        request,
        "sets/people.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "invitations": invitations,
            "emails": outbox.for_organisation(organisation.pk),
            "role_choices": OrganisationMembership.Role.choices,
            "departure_choices": Organisation.DeparturePolicy.choices,
            "two_factor_ready": queries.has_authenticator(request.user),
        },
    )


@require_POST
def organisation_role(request, org_slug, membership_id):
    membership = permissions.organisation_membership_for_admin(request.user, org_slug, membership_id)
    form = OrganisationRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose admin or member."))
    else:
        try:
            services.change_organisation_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
            messages.success(
                request,
                _("%(name)s is now %(role)s.")
                % {"name": membership.user.display_name, "role": ROLE_AFTER_IS_NOW[membership.role]},
            )
        except services.ServiceError as error:
            messages.error(request, str(error))
    return redirect("sets:people", org_slug=org_slug)


def organisation_member_remove(request, org_slug, membership_id):
    """Take someone out of the organisation (asks once, says what is kept)."""
    membership = permissions.organisation_membership_for_admin(request.user, org_slug, membership_id)
    if request.method == "POST":
        try:
            services.remove_from_organisation(membership=membership, by=request.user)
        except services.ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(name)s is no longer in %(org)s.")
                % {"name": membership.user.display_name, "org": membership.organisation.name},
            )
        return redirect("sets:people", org_slug=org_slug)
    return render(
        request,
        "sets/organisation_member_remove.html",
        {"membership": membership, "organisation": membership.organisation},
    )


@require_POST
def two_factor_policy(request, org_slug):
    organisation = permissions.organisation_for_admin(request.user, org_slug)
    required = request.POST.get("require_two_factor") == "on"
    try:
        services.set_two_factor_requirement(organisation=organisation, required=required, by=request.user)
    except services.ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Two-factor authentication is now required of everyone in the organisation.")
            if required
            else _("Two-factor authentication is no longer required."),
        )
    return redirect("sets:people", org_slug=org_slug)


@require_POST
def departure_policy(request, org_slug):
    organisation = permissions.organisation_for_admin(request.user, org_slug)
    try:
        services.set_departure_policy(organisation=organisation, policy=request.POST.get("policy", ""), by=request.user)
    except services.ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved: %(policy)s.") % {"policy": organisation.get_departure_policy_display()})
    return redirect("sets:people", org_slug=org_slug)


AUDIT_PAGE_SIZE = 50


def audit_log(request, org_slug):
    """The organisation's audit log for its admins: who did what to people and access, and when."""
    organisation = permissions.organisation_for_admin(request.user, org_slug)
    page = Paginator(audit.events_for(organisation), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sets/audit_log.html", {"organisation": organisation, "page": page})


def invite(request, org_slug):
    organisation = permissions.organisation_for_admin(request.user, org_slug)
    initial = {"learning_set": request.GET.get("set")} if request.GET.get("set", "").isdigit() else {}
    single = InviteForm(None, organisation=organisation, initial=initial, prefix="one")
    bulk = BulkInviteForm(None, organisation=organisation, initial=initial, prefix="many")
    bulk_errors: list = []
    if request.method == "POST" and "one-email" in request.POST:
        single = InviteForm(request.POST, organisation=organisation, prefix="one")
        if single.is_valid():
            data = single.cleaned_data
            try:
                invitations.invite(
                    organisation=organisation,
                    learning_set=data["learning_set"],
                    request=invitations.InvitationRequest(
                        email=data["email"], full_name=data["full_name"], role=data["role"]
                    ),
                    by=request.user,
                )
            except services.ServiceError as error:
                single.add_error(None, str(error))
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": data["email"]})
                return redirect(_after_invite(organisation, data["learning_set"]))
    elif request.method == "POST":
        bulk = BulkInviteForm(request.POST, organisation=organisation, prefix="many")
        if bulk.is_valid():
            result = invitations.invite_many(
                organisation=organisation,
                learning_set=bulk.cleaned_data["learning_set"],
                text=bulk.cleaned_data["lines"],
                by=request.user,
            )
            bulk_errors = result.errors
            if result.invitations:
                messages.success(request, _("%(count)d invitations sent.") % {"count": len(result.invitations)})
            if not result.errors:
                return redirect(_after_invite(organisation, bulk.cleaned_data["learning_set"]))
            # Keep only the lines that failed in the box, so fixing them and sending again invites nobody twice.
            bulk = BulkInviteForm(
                initial={
                    "learning_set": bulk.cleaned_data["learning_set"],
                    "lines": "\n".join(line for _n, line, _m in result.errors if line),
                },
                organisation=organisation,
                prefix="many",
            )
    return render(
        request,
        "sets/invite.html",
        {"organisation": organisation, "single": single, "bulk": bulk, "bulk_errors": bulk_errors},
    )


def _after_invite(organisation, learning_set) -> str:
    if learning_set is not None:
        return reverse("sets:detail", args=[learning_set.pk])
    return reverse("sets:people", kwargs={"org_slug": organisation.slug})


@require_POST
def invitation_resend(request, org_slug, invitation_id):
    invitation = permissions.invitation_for_admin(request.user, org_slug, invitation_id)
    try:
        invitations.resend_invitation(invitation=invitation, by=request.user)
        messages.success(request, _("Invitation sent again to %(email)s.") % {"email": invitation.email})
    except services.ServiceError as error:
        messages.error(request, str(error))
    return redirect("sets:people", org_slug=org_slug)


@require_POST
def invitation_revoke(request, org_slug, invitation_id):
    invitation = permissions.invitation_for_admin(request.user, org_slug, invitation_id)
    try:
        invitations.revoke_invitation(invitation=invitation, by=request.user)
        messages.success(
            request, _("Invitation to %(email)s revoked; its link no longer works.") % {"email": invitation.email}
        )
    except services.ServiceError as error:
        messages.error(request, str(error))
    return redirect("sets:people", org_slug=org_slug)


@login_not_required
def invitation(request, token):
    """The page an invitation link opens. Anyone with the link sees it; accepting needs the invited address."""
    invitation = invitations.invitation_for_token(token)
    if invitation is None:
        raise Http404
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            invitations.accept_invitation(invitation=invitation, user=request.user)
        except services.ServiceError as error:
            messages.error(request, str(error))
            return redirect(request.path)
        zone = TimezoneForm(request.POST)
        if zone.is_valid() and zone.cleaned_data["timezone"]:
            account_services.set_timezone(user=request.user, timezone_name=zone.cleaned_data["timezone"])
        if services.two_factor_needed(request.user):
            request.session[TWO_FACTOR_NEEDED] = True
        if invitation.learning_set_id:
            messages.success(request, _("Welcome to %(name)s.") % {"name": invitation.learning_set.name})
            return redirect("sets:detail", set_id=invitation.learning_set_id)
        messages.success(request, _("Welcome to %(name)s.") % {"name": invitation.organisation.name})
        return redirect("sets:organisation", org_slug=invitation.organisation.slug)
    context = {"invitation": invitation, "next": request.path}
    if request.user.is_authenticated:
        context["email_matches"] = invitations.email_belongs_to(request.user, invitation.email)
        # Accepting also sets the time zone: the browser's is proposed to someone still on the default (UTC).
        context["timezone_form"] = TimezoneForm(
            initial={"timezone": request.user.timezone}, propose=request.user.timezone == "UTC"
        )
    elif invitation.is_pending:
        # The link proves the address: a sign-up with it needs no second verification email, and starts from
        # the name the inviter typed.
        get_adapter(request).stash_verified_email(request, invitation.email)
        account_services.stash_invited_name(request, invitation.full_name)
        context["account_exists"] = invitations.account_exists(invitation.email)
    return render(request, "sets/invitation.html", context)


# Sets


def set_create(request, org_slug):
    organisation = permissions.organisation_for_admin(request.user, org_slug)
    form = SetCreateForm(request.POST or None, initial={"timezone": organisation.timezone})
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            learning_set = services.create_learning_set(
                organisation=organisation, by=request.user, form_token=request.POST.get("form_token", ""), **fields
            )
        except DuplicateSubmission as duplicate:
            messages.info(request, str(duplicate))
            return redirect("sets:organisation", org_slug=organisation.slug)
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("%(name)s is set up. Invite its facilitator and members.") % {"name": learning_set.name}
            )
            return redirect("sets:detail", set_id=learning_set.pk)
    return render(request, "sets/set_form.html", {"organisation": organisation, "form": form, "creating": True})


def set_detail(request, set_id):
    """Cached for the viewer on the set's version and its organisation's (the admin's "add someone" form lists
    the organisation's people)."""
    hint = ("set", request.user.pk, set_id)
    versions.expect(hint)  # the content comes with the permission check's round trip
    learning_set = permissions.set_for_viewer(request.user, set_id)

    def build_context() -> dict:
        memberships = queries.set_people(learning_set)
        mine = next((m for m in memberships if m.user_id == request.user.pk), None)
        context = {
            "learning_set": learning_set,
            "organisation": learning_set.organisation,
            "memberships": memberships,
            "my_membership": mine,
            "agreed_count": sum(m.agreed for m in memberships),
            "has_facilitator": any(m.is_facilitator for m in memberships),
            "can_manage": permissions.can_manage_set(learning_set),
            "can_administer": permissions.can_administer_set(learning_set),
            "can_make_self_facilitator": permissions.can_make_self_facilitator(learning_set),
            "set_role_choices": SetMembership.Role.choices,
        }
        if context["can_administer"]:
            context["add_form"] = AddToSetForm(learning_set=learning_set)
        return context

    name = versions.for_viewer(
        request, "set", learning_set.pk, learning_set.viewer_role, learning_set.viewer_is_admin, learning_set.is_closed
    )
    scopes = [set_scope(learning_set.pk), organisation_scope(learning_set.organisation_id)]
    content = fragments.render(request, "sets/set_content.html", build_context, name=name, scopes=scopes, hint=hint)
    context = {"learning_set": learning_set, "organisation": learning_set.organisation, "content": content}
    return render(request, "sets/set_detail.html", context)


def set_edit(request, set_id):
    learning_set = permissions.set_for_manager(request.user, set_id)
    return _edit(request, learning_set, SetDetailsForm, "sets/set_form.html", _("Details saved."))


def contract_edit(request, set_id):
    learning_set = permissions.set_for_manager(request.user, set_id)
    return _edit(
        request,
        learning_set,
        SetContractForm,
        "sets/contract_form.html",
        _("Contract saved. Members are asked to agree to the new version."),
    )


def _edit(request, learning_set, form_class, template, saved_message):
    form = form_class(request.POST or None, instance=queries.fresh(learning_set))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.update_learning_set(learning_set=learning_set, by=request.user, changes=changes)
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, saved_message)
            return redirect("sets:detail", set_id=learning_set.pk)
    context = {"learning_set": learning_set, "organisation": learning_set.organisation, "form": form}
    return render(request, template, context)


@require_POST
def contract_agree(request, set_id):
    learning_set = permissions.set_for_member(request.user, set_id)
    membership = queries.my_membership(learning_set, request.user)
    services.agree_contract(membership=membership)
    messages.success(request, _("Thank you: you have agreed to the set's contract."))
    return redirect("sets:detail", set_id=learning_set.pk)


def set_close(request, set_id):
    learning_set = permissions.set_for_admin(request.user, set_id)
    if request.method == "POST":
        services.close_learning_set(learning_set=learning_set, by=request.user)
        messages.success(request, _("%(name)s is closed. Its record stays readable.") % {"name": learning_set.name})
        return redirect("sets:detail", set_id=learning_set.pk)
    return render(
        request, "sets/set_close.html", {"learning_set": learning_set, "organisation": learning_set.organisation}
    )


@require_POST
def set_add_member(request, set_id):
    learning_set = permissions.set_for_admin(request.user, set_id)
    form = AddToSetForm(request.POST, learning_set=learning_set)
    if form.is_valid():
        user = form.cleaned_data["user"]
        services.add_to_set(learning_set=learning_set, user=user, role=form.cleaned_data["role"], by=request.user)
        messages.success(request, _("%(name)s added to the set.") % {"name": user.display_name})
    else:
        messages.error(request, _("Choose someone from the organisation who is not in the set yet, and a role."))
    return redirect("sets:detail", set_id=learning_set.pk)


@require_POST
def set_make_me_facilitator(request, set_id):
    """An admin who is not in the set becomes its facilitator and goes straight to scheduling its meetings."""
    learning_set = permissions.set_for_self_facilitation(request.user, set_id)
    try:
        services.make_self_facilitator(learning_set=learning_set, by=request.user)
    except services.ServiceError as error:
        messages.error(request, str(error))
        return redirect("sets:detail", set_id=learning_set.pk)
    messages.success(
        request,
        _("You are now the facilitator of %(name)s. Schedule its first meeting.") % {"name": learning_set.name},
    )
    return redirect("meetings:schedule", set_id=learning_set.pk)


@require_POST
def set_member_role(request, set_id, membership_id):
    membership = permissions.set_membership_for_admin(request.user, set_id, membership_id)
    form = SetRoleForm(request.POST)
    if form.is_valid():
        services.change_set_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
        messages.success(
            request,
            _("%(name)s is now %(role)s.")
            % {"name": membership.user.display_name, "role": ROLE_AFTER_IS_NOW[membership.role]},
        )
    else:
        messages.error(request, _("Choose facilitator or member."))
    return redirect("sets:detail", set_id=set_id)


def set_member_remove(request, set_id, membership_id):
    membership = permissions.set_membership_for_admin(request.user, set_id, membership_id)
    if request.method == "POST":
        services.remove_from_set(membership=membership, by=request.user)
        messages.success(request, _("%(name)s has left the set.") % {"name": membership.user.display_name})
        return redirect("sets:detail", set_id=set_id)
    return render(
        request,
        "sets/member_remove.html",
        {
            "membership": membership,
            "learning_set": membership.learning_set,
            "organisation": membership.learning_set.organisation,
        },
    )
