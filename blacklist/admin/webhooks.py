"""Webhooks in the admin: subscriptions, and the deliveries with their attempts."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from blacklist.admin.common import ReadOnlyAdmin
from blacklist.models import Delivery, DeliveryAttempt, Subscription, WebhookEvent
from blacklist.webhooks import services as webhooks


def _events_of(value: str) -> list[str]:
    return [part for part in value.split(",") if part]


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("signed JSON is POSTed here; redirects are not followed"),
    )
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("none ticked: every event, including ones added later"),
    )

    class Meta:
        model = Subscription
        fields = ["client", "url", "events", "active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["events"] = _events_of(self.instance.events)

    def clean_events(self) -> str:
        return ",".join(self.cleaned_data["events"])

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        client = cleaned.get("client") or getattr(self.instance, "client", None)
        if client and cleaned.get("url"):
            try:
                webhooks.subscription_validate(
                    client=client, url=cleaned["url"], events=_events_of(cleaned.get("events", ""))
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["url", "client", "events_shown", "active", "created_at", "deliveries_link"]
    list_filter = ["active", "client"]
    search_fields = ["url", "client__name"]
    list_select_related = ["client"]
    actions = ["rotate_secret"]

    def get_fields(self, request: HttpRequest, obj: Subscription | None = None) -> tuple[str, ...]:
        # New subscriptions start active; the secret is made by the service and shown once.
        return (
            ("client", "url", "events", "active", "created_at")
            if obj
            else ("client", "url", "events")
        )

    def get_readonly_fields(
        self, request: HttpRequest, obj: Subscription | None = None
    ) -> tuple[str, ...]:
        return ("client", "created_at") if obj else ()

    def save_model(
        self, request: HttpRequest, obj: Subscription, form: forms.ModelForm, change: bool
    ) -> None:
        events = _events_of(form.cleaned_data["events"])
        if change:
            webhooks.subscription_update(
                subscription=obj, url=obj.url, events=events, active=obj.active
            )
            return
        created, secret = webhooks.subscription_create(
            client=obj.client, url=obj.url, events=events
        )
        obj.pk = created.pk
        obj.refresh_from_db()
        self._show_secret(request, obj, secret)

    @admin.action(description=_("Rotate the signing secret (shown once)"), permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        for subscription in queryset:
            self._show_secret(
                request,
                subscription,
                webhooks.subscription_rotate_secret(subscription=subscription),
            )

    def _show_secret(self, request: HttpRequest, subscription: Subscription, secret: str) -> None:
        self.message_user(
            request,
            _("Signing secret for %(url)s, shown only now: %(secret)s")
            % {"url": subscription.url, "secret": secret},
            messages.WARNING,
        )

    @admin.display(description=_("events"))
    def events_shown(self, obj: Subscription) -> str:
        return obj.events.replace(",", ", ") or str(_("every event"))

    @admin.display(description=_("deliveries"))
    def deliveries_link(self, obj: Subscription) -> SafeString:
        url = reverse("admin:blacklist_delivery_changelist")
        return format_html(
            '<a href="{}?subscription__id__exact={}">{}</a>', url, obj.pk, _("delivery log")
        )


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = readonly_fields = ("number", "attempted_at", "status_code", "duration_ms", "error")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: every event sent to a platform and each attempt at sending it."""

    list_display = [
        "created_at",
        "event",
        "client",
        "subscription_url",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", ("subscription__client", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["event_id"]
    list_select_related = ["subscription__client"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "subscription",
        "event",
        "event_id",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "delivered_at",
        "payload_shown",
    )
    inlines = [DeliveryAttemptInline]
    actions = ["send_again_now"]

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("blacklist.change_delivery")

    @admin.action(description=_("Send again now"), permissions=["resend"])
    def send_again_now(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        ids = webhooks.deliveries_retry_now(
            delivery_ids=list(queryset.values_list("id", flat=True))
        )
        self.message_user(
            request, _("%(count)d deliveries will be sent again now.") % {"count": len(ids)}
        )

    @admin.display(description=_("API client"), ordering="subscription__client__name")
    def client(self, obj: Delivery) -> str:
        return str(obj.subscription.client)

    @admin.display(description=_("URL"))
    def subscription_url(self, obj: Delivery) -> str:
        return obj.subscription.url

    @admin.display(description=_("payload"))
    def payload_shown(self, obj: Delivery) -> SafeString:
        shown = json.dumps(obj.payload, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", shown)
