"""The typical learning paths shipped as seed data (loaded by ``inventory seed-paths`` and by
the demo). They are the association's own words, stored as data, so in French."""

from __future__ import annotations

from dataclasses import dataclass

# A module: (topic, level, format, planned sessions, planned hours).
Module = tuple[str, str, str, int, float]


@dataclass(frozen=True, slots=True)
class SeedPath:
    name: str
    objective: str
    description: str
    sessions_per_week: int
    modules: tuple[Module, ...]


SEED_PATHS: tuple[SeedPath, ...] = (
    SeedPath(
        "Initiation", "other",
        "Premiers pas : trois semaines, trois ateliers de 2 h par semaine.", 3, (
            ("Prendre en main l’ordinateur, la tablette ou le smartphone", "excluded",
             "workshop", 3, 6),
            ("Naviguer sur internet et faire une recherche", "beginner", "workshop", 3, 6),
            ("Créer et utiliser son adresse e-mail", "beginner", "workshop", 3, 6),
        )),
    SeedPath(
        "Emploi", "job_search",
        "Chercher un emploi en ligne : espace France Travail, CV, candidatures, entretien "
        "en visio.", 2, (
            ("Créer et utiliser son espace France Travail", "beginner", "workshop", 2, 4),
            ("Rédiger son CV et sa lettre de motivation", "beginner", "workshop", 3, 6),
            ("Répondre à une offre et suivre ses candidatures", "intermediate", "workshop",
             2, 4),
            ("Préparer un entretien en visioconférence", "intermediate", "one_to_one", 1, 1),
        )),
    SeedPath(
        "Démarches en ligne", "online_admin",
        "Faire ses démarches administratives : FranceConnect, CAF, Assurance maladie, "
        "impôts.", 2, (
            ("Créer ses identifiants et utiliser FranceConnect", "beginner", "workshop", 2, 4),
            ("CAF, ameli et impots.gouv : ses comptes en ligne", "beginner", "workshop", 3, 6),
            ("Scanner et envoyer un justificatif", "beginner", "drop_in", 1, 1),
            ("Prendre rendez-vous et suivre un dossier en ligne", "intermediate", "workshop",
             1, 2),
        )),
    SeedPath(
        "Scolarité des enfants", "schooling",
        "Suivre la scolarité de ses enfants : ENT, Pronote, échanges avec l’école, "
        "démarches.", 1, (
            ("Se connecter à l’ENT et à Pronote", "beginner", "workshop", 2, 4),
            ("Suivre les devoirs, les notes et échanger avec les enseignants", "beginner",
             "workshop", 2, 4),
            ("Inscriptions, cantine et bourses en ligne", "intermediate", "one_to_one", 1, 1),
        )),
    SeedPath(
        "Garder le lien", "keeping_in_touch",
        "Rester en contact avec ses proches : messagerie, appels vidéo, photos, et se "
        "protéger des arnaques.", 1, (
            ("Messagerie et appels vidéo", "excluded", "workshop", 2, 4),
            ("Partager des photos avec ses proches", "beginner", "workshop", 1, 2),
            ("Reconnaître les arnaques et protéger ses comptes", "beginner", "workshop", 1, 2),
        )),
)
