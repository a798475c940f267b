"""What every app's forms share: Bootstrap classes on the widgets, a date input the browser
shows as a date picker, and the 密级 choices of the form fields. Forms parse what the user
typed into the types the services take; every rule of the office is the service's."""

from django import forms

SECRECY_CHOICES = [("", "非涉密"), ("秘密", "秘密"), ("机密", "机密"), ("绝密", "绝密")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BootstrapMixin:
    """Bootstrap classes on every widget."""

    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput,)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
                continue
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
