"""CSV import and export of items: every row validated, all or nothing, formula-safe output."""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec

from inventory.api.schemas import ItemCreate, decode_json, to_item_fields
from inventory.domain.errors import DomainError
from inventory.domain.reports import neutralise  # one rule for every CSV export
from inventory.domain.spreadsheet import FileRejected, LineError
from inventory.i18n import gettext_for
from inventory.services import items as svc
from inventory.services.common import Actor, unit_of_work

EXPORT_COLUMNS = (
    "tag", "family", "kind", "state", "site_code", "brand", "model", "serial", "cpu", "ram_gb",
    "storage_gb", "screen_inches", "battery_health", "os_image", "cosmetic_grade",
    "functional_grade", "intake_batch", "donor", "accessories", "operator", "iccid",
    "phone_number", "data_allowance_mb", "price_cents", "validity_days", "activated_on",
    "expires_on", "notes",
)
_INT_FIELDS = {"ram_gb", "storage_gb", "battery_health", "data_allowance_mb", "price_cents",
               "validity_days"}


class ImportFailed(FileRejected):
    """The file had errors; nothing was imported."""


def _row_to_body(row: dict[str, str]) -> ItemCreate:
    data: dict[str, Any] = {}
    for key, raw in row.items():
        if key is None:
            raise ValueError("too many columns")
        value = (raw or "").strip()
        if not value:
            continue
        if key in _INT_FIELDS:
            data[key] = int(value)
        elif key == "accessories":
            data[key] = [part.strip() for part in value.split("|") if part.strip()]
        else:
            data[key] = value
    return msgspec.convert(data, ItemCreate, strict=False)


def parse_rows(text: str) -> tuple[list[tuple[int, ItemCreate]], list[LineError]]:
    """Validate every row; errors carry the line number in the file."""
    reader = csv.DictReader(io.StringIO(text))
    bodies, errors = [], []
    for row in reader:
        line = reader.line_num
        try:
            bodies.append((line, _row_to_body(row)))
        except (ValueError, msgspec.ValidationError) as exc:
            errors.append(LineError(line, str(exc)))
    if reader.fieldnames is None:
        errors.append(LineError(1, "empty file"))
    return bodies, errors


async def import_items(actor: Actor, text: str, prefix: str, locale: str = "fr") -> int:
    """Import every row or none: validation first, then one transaction for the lot."""
    bodies, errors = parse_rows(text)
    if errors:
        raise ImportFailed(errors)
    _ = gettext_for(locale)
    async with unit_of_work():
        for line, body in bodies:
            try:
                await svc.register_item(actor, kind=body.kind, site_code=body.site_code,
                                        prefix=prefix, tag=body.tag,
                                        voucher_code=body.voucher_code, **to_item_fields(body))
            except DomainError as exc:
                errors.append(LineError(line, exc.render(_)))
                raise ImportFailed(errors) from exc
    return len(bodies)


async def export_items(out: io.TextIOBase) -> int:
    """Write every item (never a voucher code) as CSV."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count, page = 0, 1
    while True:
        rows, _total = await svc.list_items(svc.ItemFilter(page=page, per_page=1000))
        for row in rows:
            row = {**row, "accessories": "|".join(decode_json(row["accessories"], []))}
            writer.writerow([neutralise(row.get(c)) for c in EXPORT_COLUMNS])
        count += len(rows)
        if len(rows) < 1000:
            return count
        page += 1
