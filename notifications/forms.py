from django import forms

from .models import NotificationPreference


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["frequency"]
        widgets = {"frequency": forms.RadioSelect}
        error_messages = {
            "frequency": {
                "required": "Choisissez l’une des trois possibilités.",
                "invalid_choice": "Choisissez l’une des trois possibilités.",
            }
        }
