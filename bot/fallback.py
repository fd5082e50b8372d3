"""What the assistant says when it cannot consult its knowledge: the national contact.

Needs nothing but itself, so that the Rasa engine can say it too when the action server is
down (engine/channels.py), and the actions when the knowledge DB is.
"""

FALLBACK_PHONE = ("39 39", "Allô Service Public")


def unavailable_text() -> str:
    phone, name = FALLBACK_PHONE
    return ("Je ne peux pas consulter mes informations pour le moment (service momentanément indisponible). "
            f"Appelez {name} au {phone} (du lundi au vendredi) ou consultez https://www.service-public.fr. "
            "Vous pouvez aussi réessayer dans quelques minutes.")
