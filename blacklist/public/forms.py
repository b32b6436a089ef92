from collections.abc import Iterable
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from blacklist.models import Programme
from blacklist.public.search import MAX_QUERY_CHARACTERS, SearchRequest


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or ID number"),
        max_length=MAX_QUERY_CHARACTERS,
        help_text=_(
            "A full name, part of a name (two characters or more), or an 18-character ID number."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "search"}),
    )
    name = forms.CharField(
        label=_("Full name (with an ID number)"),
        max_length=MAX_QUERY_CHARACTERS,
        required=False,
        help_text=_(
            "An ID number is looked up only together with the full name of the person it "
            "belongs to, as on the national court enforcement site. An ID number with another "
            "name answers “not found”, so nobody can try out the hidden digits of a masked "
            "number."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    last4 = forms.RegexField(
        label=_("Last four characters of the ID number"),
        regex=r"^\s*[0-9０-９]{3}[0-9０-９xXｘＸ]\s*$",
        required=False,
        max_length=8,
        error_messages={"invalid": _("Enter the last four characters, for example 123X.")},
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off", "size": 6}),
    )
    region = forms.CharField(label=_("Region"), max_length=30, required=False)
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.filter(public=True),
        to_field_name="code",
        required=False,
        empty_label=_("All programmes"),
    )

    def search_request(self) -> SearchRequest:
        data = self.cleaned_data
        programme = data.get("programme")
        return SearchRequest(
            text=data["q"],
            name=data.get("name") or "",
            last4=(data.get("last4") or "").strip(),
            region=data.get("region") or "",
            programme=programme.code if programme else "",
        )


def programme_options(programmes: Iterable[Programme]) -> list[tuple[str, str]]:
    """The search form's programme choices as its select shows them, (code, name): also the
    key of the empty form's fragment, which is rendered once for each list of them."""
    return [(programme.code, programme.name) for programme in programmes]


ATTACHMENT_TYPES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


class ObjectionForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=100)
    contact = forms.CharField(
        label=_("Phone or e-mail"),
        max_length=200,
        help_text=_("Only the officials handling your objection see it."),
    )
    reason = forms.CharField(
        label=_("Why is this entry wrong?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachment = forms.FileField(
        label=_("Supporting document (optional)"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def clean_attachment(self) -> object:
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        if upload.size > settings.OBJECTION_MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        suffix = Path(upload.name or "").suffix.lower()
        head = upload.read(16)
        upload.seek(0)
        if suffix not in ATTACHMENT_TYPES or not head.startswith(ATTACHMENT_TYPES[suffix]):
            raise forms.ValidationError(_("Only PDF, JPEG or PNG files are accepted."))
        return upload
