"""Numbers shown on every page: promeneurs are not on duty around the clock."""

EMERGENCY_NUMBERS = [
    {
        "number": "3018",
        "tel": "3018",
        "label": "Violences numériques, cyberharcèlement (e-Enfance)",
        "hours": "7 j/7",
    },
    {"number": "119", "tel": "119", "label": "Enfance en danger", "hours": "24 h/24, 7 j/7"},
    {"number": "3114", "tel": "3114", "label": "Prévention du suicide", "hours": "24 h/24, 7 j/7"},
    {
        "number": "0 800 235 236",
        "tel": "0800235236",
        "label": "Fil Santé Jeunes, anonyme et gratuit",
        "hours": "7 j/7",
    },
    {
        "number": "112",
        "tel": "112",
        "label": "Danger immédiat : numéro d’urgence européen",
        "hours": "24 h/24",
    },
    {
        "number": "114",
        "tel": "114",
        "sms": True,
        "label": "Urgence par SMS (personnes sourdes, malentendantes ou ne pouvant pas parler)",
        "hours": "24 h/24",
    },
    {"number": "15", "tel": "15", "label": "SAMU, urgence médicale", "hours": "24 h/24"},
    {"number": "17", "tel": "17", "label": "Police secours", "hours": "24 h/24"},
    {"number": "18", "tel": "18", "label": "Pompiers", "hours": "24 h/24"},
]

# The link of each number: 114 is reached by SMS, the others by a call.
for _item in EMERGENCY_NUMBERS:
    _item["href"] = ("sms:" if _item.get("sms") else "tel:") + _item["tel"]
