from django.contrib import admin

from sets.models import Invitation, LearningSet, Organisation, OrganisationMembership, SetMembership


class OrganisationMembershipInline(admin.TabularInline):
    model = OrganisationMembership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [OrganisationMembershipInline]


class SetMembershipInline(admin.TabularInline):
    model = SetMembership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(LearningSet)
class LearningSetAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "status", "airtime_mode", "contract_version", "created_at"]
    list_filter = ["status", "airtime_mode"]
    search_fields = ["name", "organisation__name"]
    raw_id_fields = ["organisation"]
    inlines = [SetMembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organisation",
        "learning_set",
        "organisation_role",
        "set_role",
        "created_at",
        "expires_at",
    ]
    search_fields = ["email"]
    raw_id_fields = ["organisation", "learning_set", "invited_by", "accepted_by"]
    exclude = ["token_hash"]
