"""Right of access and erasure: one person's data as JSON or PDF, and erasure on request."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import FromPath

from inventory.api.people import _gettext, beneficiary_read
from inventory.api.people_schemas import BeneficiaryRead
from inventory.services import privacy, privacy_export


class PrivacyController(Controller):
    path = "/api/v1/beneficiaries"
    tags = ["beneficiaries"]

    @get("/{number:str}/export.json", opt={"permission": "privacy.export"})
    async def export_json(self, request: Request,
                          number: FromPath[str]) -> Response[dict[str, Any]]:
        """Everything held on the person: record, referrals, decisions, loans, waiting-list
        entries, reminders and who read the record (the export is logged)."""
        data = await privacy_export.export_person(request.user, number)
        return Response(data, media_type=MediaType.JSON, headers={
            "Content-Disposition": f'attachment; filename="donnees-{number}.json"'})

    @get("/{number:str}/export.pdf", opt={"permission": "privacy.export"},
         media_type="application/pdf")
    async def export_pdf(self, request: Request, number: FromPath[str]) -> Response[bytes]:
        """The same export as a readable PDF, to hand to the person."""
        pdf = await privacy_export.export_pdf(request.user, number)
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="donnees-{number}.pdf"'})

    @post("/{number:str}/erase", opt={"permission": "privacy.erase"}, status_code=200)
    async def erase(self, request: Request, number: FromPath[str]) -> BeneficiaryRead:
        """Anonymise the person now, on their request (409 while a loan or waiting-list entry
        is open); loans and statistics stay. The erasure is logged."""
        row = await privacy.erase(request.user, number)
        return beneficiary_read(row, _gettext(request))
