"""Command line: serve, migrate, demo data, users, CSV import and export, reminders, backups,
history verification."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from inventory.config import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        sys.exit(f"erreur : {exc}")


def _bind(settings: Settings):
    from inventory.app import bind_tables
    from inventory.db.engine import engine_from_url

    engine = engine_from_url(settings.database_url)
    bind_tables(engine)
    return engine


async def _with_engine(settings: Settings, coro_factory):
    from inventory.db.engine import close_engine

    engine = _bind(settings)
    if settings.is_postgres:
        await engine.start_connection_pool(min_size=1, max_size=2)
    try:
        return await coro_factory()
    finally:
        await close_engine(engine)


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    settings = _settings()
    workers = args.workers if settings.is_postgres else 1
    proxies = settings.proxy_list()  # uvicorn trusts any address only for a lone "*"
    print(f"Service sur http://{args.host or settings.host}:{args.port or settings.port}")
    uvicorn.run("inventory.app:create_app", factory=True, host=args.host or settings.host,
                port=args.port or settings.port, workers=workers, log_level="warning",
                access_log=False, proxy_headers=True,
                forwarded_allow_ips="*" if "*" in proxies else proxies)


def cmd_migrate(args: argparse.Namespace) -> None:
    from inventory.db.migrate import migrate

    settings = _settings()
    asyncio.run(migrate(settings.database_url))
    print("Base de données à jour.")


def cmd_demo(args: argparse.Namespace) -> None:
    from inventory.demo import load_demo

    settings = _settings()
    created = asyncio.run(_with_engine(settings, lambda: load_demo(settings, args.if_empty)))
    if created is None:
        print("Données de démonstration déjà présentes : rien à faire.")
        return
    print("Données de démonstration chargées. Comptes (identifiant / mot de passe) :")
    for username, password, role in created:
        print(f"  {username:<14} {password:<22} {role}")


def cmd_seed_paths(args: argparse.Namespace) -> None:
    from inventory.services.learning import seed_paths

    settings = _settings()
    added = asyncio.run(_with_engine(settings, seed_paths))
    print(f"{added} parcours type(s) ajouté(s).")


def cmd_create_user(args: argparse.Namespace) -> None:
    from inventory.domain.errors import DomainError
    from inventory.i18n import gettext_for
    from inventory.services.auth import create_user

    settings = _settings()
    password = args.password or os.environ.get("INVENTORY_NEW_PASSWORD")
    if not password:
        import getpass

        password = getpass.getpass("Mot de passe : ")
    try:
        asyncio.run(_with_engine(settings, lambda: create_user(
            username=args.username, password=password, role=args.role,
            display_name=args.name or "", site_code=args.site, partner_org_id=args.org)))
    except DomainError as exc:
        sys.exit(f"erreur : {exc.render(gettext_for('fr'))}")
    print(f"Compte « {args.username} » créé.")


def _read_csv(path: str) -> str:
    """The text of a CSV file (a spreadsheet's BOM removed), or a CLI error."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        sys.exit(f"erreur : fichier illisible ({exc})")


def _import_csv(settings: Settings, run, failure: type[Exception]):
    """Run an all-or-nothing import; its line errors go to stderr and exit non-zero."""
    from inventory.domain.errors import DomainError
    from inventory.i18n import gettext_for

    try:
        return asyncio.run(_with_engine(settings, run))
    except failure as exc:
        for err in exc.errors:
            print(f"ligne {err.line} : {err.message}", file=sys.stderr)
        sys.exit("erreur : rien n'a été importé.")
    except DomainError as exc:
        sys.exit(f"erreur : {exc.render(gettext_for('fr'))}")


def cmd_import_items(args: argparse.Namespace) -> None:
    from inventory.csvio import ImportFailed, import_items
    from inventory.services.common import SYSTEM

    settings, text = _settings(), _read_csv(args.file)
    count = _import_csv(settings, lambda: import_items(SYSTEM, text, settings.tag_prefix),
                        ImportFailed)
    print(f"{count} article(s) importé(s).")


def cmd_import_cards(args: argparse.Namespace) -> None:
    from inventory.i18n import gettext_for
    from inventory.services.cards import BatchRejected, receive_batch
    from inventory.services.common import SYSTEM

    settings, text = _settings(), _read_csv(args.file)
    tags = _import_csv(settings, lambda: receive_batch(
        SYSTEM, site_code=args.site, intake_batch=args.batch, text=text,
        prefix=settings.tag_prefix, gettext=gettext_for("fr")), BatchRejected)
    print(f"{len(tags)} carte(s) reçue(s) dans le lot {args.batch}.")


def cmd_expire_cards(args: argparse.Namespace) -> None:
    from inventory.services.cards import expire_cards
    from inventory.services.common import SYSTEM

    settings = _settings()
    count = asyncio.run(_with_engine(settings, lambda: expire_cards(SYSTEM)))
    print(f"{count} carte(s) expirée(s).")


def cmd_import_orgs(args: argparse.Namespace) -> None:
    from inventory.i18n import gettext_for
    from inventory.services.common import SYSTEM
    from inventory.services.partners import OrgImportFailed, import_orgs

    settings, text = _settings(), _read_csv(args.file)
    count = _import_csv(settings, lambda: import_orgs(SYSTEM, text, gettext_for("fr")),
                        OrgImportFailed)
    print(f"{count} structure(s) partenaire(s) importée(s).")


def cmd_import_people(args: argparse.Namespace) -> None:
    from inventory.i18n import gettext_for
    from inventory.services.common import SYSTEM
    from inventory.services.people_import import PeopleImportFailed, import_people

    settings, text = _settings(), _read_csv(args.file)
    count = _import_csv(settings, lambda: import_people(
        SYSTEM, text, gettext_for("fr"), site_code=args.site or "", org_name=args.org or ""),
        PeopleImportFailed)
    print(f"{count} personne(s) importée(s).")


def cmd_export_items(args: argparse.Namespace) -> None:
    from inventory.csvio import export_items

    settings = _settings()
    out = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
    try:
        count = asyncio.run(_with_engine(settings, lambda: export_items(out)))
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"{count} article(s) exporté(s).", file=sys.stderr)


def cmd_remind(args: argparse.Namespace) -> None:
    from inventory.domain.reminders import Schedule
    from inventory.services.common import today
    from inventory.services.reminders import fill_outbox, send_pending
    from inventory.services.senders import sender_from_settings

    settings = _settings()
    schedule = Schedule(settings.reminder_days_before, settings.reminder_repeat_days)

    async def run():
        filled = await fill_outbox(today(), association=settings.association_name,
                                   schedule=schedule, locale=settings.default_locale)
        return filled, await send_pending(sender_from_settings(settings), args.limit)

    filled, sent = asyncio.run(_with_engine(settings, run))
    print(f"{filled.added} rappel(s) ajouté(s), {filled.cancelled} annulé(s) ; "
          f"{sent.sent} envoyé(s), {sent.failed} en échec, {sent.cancelled} devenu(s) sans "
          "objet.")


def cmd_reminder_letters(args: argparse.Namespace) -> None:
    import csv

    from inventory.services.reminders import letter_list, mark_letters_printed

    settings = _settings()
    rows = asyncio.run(_with_engine(settings, lambda: letter_list(
        args.site, locale=settings.default_locale)))
    writer = csv.writer(sys.stdout)
    writer.writerow(["nom", "numero", "site", "echeance", "materiel", "rappel", "pret"])
    for row in rows:
        writer.writerow([row["name"], row["number"], row["site"],
                         row["due_on"].strftime("%d/%m/%Y"), row["items"], row["kind"],
                         row["reference"]])
    if args.mark_printed and rows:
        marked = asyncio.run(_with_engine(settings, lambda: mark_letters_printed(
            [row["id"] for row in rows])))
        print(f"{marked} courrier(s) marqué(s) comme imprimé(s).", file=sys.stderr)
    else:
        print(f"{len(rows)} courrier(s) à imprimer.", file=sys.stderr)


def cmd_backup(args: argparse.Namespace) -> None:
    from inventory.backup import BackupError, backup

    settings = _settings()
    try:
        path, seconds = backup(settings, Path(args.output) if args.output else None)
    except BackupError as exc:
        sys.exit(f"erreur : {exc}")
    size = path.stat().st_size / 1_000_000
    print(f"Sauvegarde écrite : {path} ({size:.1f} Mo, {seconds:.1f} s).")


def cmd_restore(args: argparse.Namespace) -> None:
    from inventory.backup import BackupError, restore

    settings = _settings()
    try:
        counts, seconds = restore(settings, Path(args.file), force=args.force)
    except BackupError as exc:
        sys.exit(f"erreur : {exc}")
    print(f"Base restaurée depuis {args.file} en {seconds:.1f} s. Contenu :")
    for label, count in counts:
        print(f"  {count:>9} {label}")
    print("Si la sauvegarde vient d'une version antérieure, lancez ensuite « inventory "
          "migrate ».")


def cmd_anonymise(args: argparse.Namespace) -> None:
    from inventory.services.privacy import anonymise_inactive

    settings = _settings()
    if args.months < 1:
        sys.exit("erreur : la durée de conservation est d'au moins un mois.")
    report = asyncio.run(_with_engine(settings, lambda: anonymise_inactive(
        args.months, dry_run=args.dry_run)))
    verb = "seraient anonymisée(s)" if args.dry_run else "anonymisée(s)"
    print(f"Sans contact depuis le {report.cutoff.strftime('%d/%m/%Y')} : "
          f"{report.anonymised} personne(s) {verb} ; {report.kept_active} gardée(s) "
          "(prêt ou attente en cours, ou activité récente).")


def cmd_verify_history(args: argparse.Namespace) -> None:
    from inventory.services.history import verify_history

    settings = _settings()
    reports = asyncio.run(_with_engine(settings, verify_history))
    labels = {"item_event": "historique des articles", "access_log": "journal d'accès"}
    for report in reports:
        print(f"{labels[report.table]} ({report.table}) : {report.chains} chaîne(s), "
              f"{report.checked} entrée(s) vérifiée(s), {report.legacy} antérieure(s) au "
              f"chaînage, {report.broken_chains} chaîne(s) rompue(s).")
    broken = [r.first_broken for r in reports if r.first_broken]
    what = {"changed": "l'entrée a été modifiée", "unchained": "entrée sans hachage",
            "gap": "une entrée précédente a été supprimée ou modifiée"}
    for link in broken:
        print(f"Premier maillon rompu : table {link.table}, chaîne {link.chain}, ligne "
              f"{link.row_id} : {what[link.kind]} ({link.problem}).", file=sys.stderr)
    if broken:
        sys.exit(1)
    print("Historique intact.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="inventory", description="Inventaire de prêts")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="lancer le service web")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1, help="processus (PostgreSQL seulement)")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="créer ou mettre à jour les tables").set_defaults(
        func=cmd_migrate)
    demo = sub.add_parser("demo", help="charger des données de démonstration")
    demo.add_argument("--if-empty", action="store_true", help="seulement si la base est vide")
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("seed-paths", help="ajouter les parcours types (Initiation, Emploi…) "
                   "qui manquent").set_defaults(func=cmd_seed_paths)
    user = sub.add_parser("create-user", help="créer un compte")
    user.add_argument("username")
    user.add_argument("--role", required=True,
                      choices=["admin", "coordinator", "front_desk", "technician",
                               "social_worker"])
    user.add_argument("--name")
    user.add_argument("--site")
    user.add_argument("--org", type=int, help="id de la structure partenaire")
    user.add_argument("--password", help="sinon demandé (ou INVENTORY_NEW_PASSWORD)")
    user.set_defaults(func=cmd_create_user)
    imp = sub.add_parser("import-items", help="importer des articles depuis un CSV")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_import_items)
    cards = sub.add_parser("import-cards", help="recevoir un lot de cartes de connexion (CSV de "
                           "l'opérateur : operator, product, iccid, phone_number, "
                           "data_allowance_mb, price_cents ou price_eur, validity_days, "
                           "expires_on, voucher_code)")
    cards.add_argument("file")
    cards.add_argument("--site", required=True, help="code du site qui reçoit le lot")
    cards.add_argument("--batch", required=True, help="nom du lot (bon de livraison)")
    cards.set_defaults(func=cmd_import_cards)
    sub.add_parser("expire-cards", help="passer en « expirée » les cartes dont la date de "
                   "validité est passée (tâche quotidienne)").set_defaults(func=cmd_expire_cards)
    orgs = sub.add_parser("import-orgs", help="importer des structures partenaires depuis un CSV "
                          "(colonnes : name, org_type, siret, commune, active)")
    orgs.add_argument("file")
    orgs.set_defaults(func=cmd_import_orgs)
    folks = sub.add_parser("import-people", help="importer les personnes déjà suivies (CSV : "
                           "last_name, first_name, birth_year, phone, commune, "
                           "in_priority_area, situation, site, partner_org, consent_on, "
                           "consent_version, last_contact_on, confirm_duplicate)")
    folks.add_argument("file")
    folks.add_argument("--site", help="code du site des lignes sans site")
    folks.add_argument("--org", help="nom exact de la structure partenaire des lignes sans "
                       "partner_org")
    folks.set_defaults(func=cmd_import_people)
    exp = sub.add_parser("export-items", help="exporter les articles en CSV")
    exp.add_argument("--output", "-o")
    exp.set_defaults(func=cmd_export_items)
    remind = sub.add_parser("remind", help="préparer et envoyer les rappels d'échéance du jour")
    remind.add_argument("--limit", type=int, default=500, help="envois au plus (500)")
    remind.set_defaults(func=cmd_remind)
    letters = sub.add_parser("reminder-letters",
                             help="lister en CSV les rappels à envoyer par courrier")
    letters.add_argument("--site", required=True, help="code du site, par exemple AUB")
    letters.add_argument("--mark-printed", action="store_true",
                         help="marquer ces courriers comme imprimés (envoyés)")
    letters.set_defaults(func=cmd_reminder_letters)
    anon = sub.add_parser("anonymise", help="anonymiser les personnes sans contact depuis la "
                          "durée de conservation (tâche quotidienne, sans risque si relancée)")
    anon.add_argument("--months", type=int, default=24, help="durée de conservation (24 mois)")
    anon.add_argument("--dry-run", action="store_true",
                      help="compter seulement, sans rien modifier")
    anon.set_defaults(func=cmd_anonymise)
    save = sub.add_parser("backup", help="sauvegarder la base (possible pendant le service)")
    save.add_argument("--output", "-o", help="fichier à écrire (par défaut : var/backups/"
                      "inventory-AAAAMMJJ-HHMMSS.sqlite3 ou .pgdump)")
    save.set_defaults(func=cmd_backup)
    back = sub.add_parser("restore", help="remplacer la base par une sauvegarde (service "
                          "arrêté)")
    back.add_argument("file", help="fichier écrit par « inventory backup »")
    back.add_argument("--force", action="store_true",
                      help="remplacer une base qui contient déjà des données")
    back.set_defaults(func=cmd_restore)
    sub.add_parser("verify-history", help="vérifier les chaînes de hachage de l'historique "
                   "des articles et du journal d'accès (code 1 si un maillon est rompu)"
                   ).set_defaults(func=cmd_verify_history)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
