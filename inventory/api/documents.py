"""Printed documents of a loan, as PDF: the agreement, the return receipt, the card slip."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery

from inventory.services import agreements, loan_documents


def _pdf(data: bytes, name: str) -> Response[bytes]:
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}.pdf"', "Cache-Control": "no-store"})


class LoanDocumentController(Controller):
    path = "/api/v1/loans"
    tags = ["loans"]

    @get("/{reference:str}/agreement.pdf", opt={"permission": "loans.read"},
         media_type="application/pdf")
    async def agreement(self, request: Request, reference: FromPath[str]) -> Response[bytes]:
        """The loan agreement (convention de prêt à usage). The first print records the
        template version and the PDF's SHA-256; reprints are byte-identical."""
        pdf, digest = await agreements.agreement_pdf(request.user, reference,
                                                     request.app.state.settings)
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="convention-{reference}.pdf"',
            "X-Content-SHA256": digest, "Cache-Control": "no-store"})

    @get("/{reference:str}/return-receipt.pdf", opt={"permission": "loans.read"},
         media_type="application/pdf")
    async def return_receipt(self, request: Request, reference: FromPath[str]) -> Response[bytes]:
        """The receipt for the items given back so far (récépissé de restitution)."""
        pdf = await loan_documents.return_receipt_pdf(request.user, reference,
                                                      request.app.state.settings)
        return _pdf(pdf, f"restitution-{reference}")

    @get("/{reference:str}/cards/{tag:str}/slip.pdf", opt={"permission": "loans.read"},
         media_type="application/pdf")
    async def card_slip(
        self, request: Request, reference: FromPath[str], tag: FromPath[str],
        with_code: FromQuery[bool] = False,
    ) -> Response[bytes]:
        """A card's handover slip: operator, number, how to activate; the top-up code only
        when staff ask for it on the day of the handover (logged), or an admin later."""
        settings = request.app.state.settings
        pdf = await loan_documents.card_slip_pdf(request.user, reference, tag,
                                                 settings.tag_prefix, settings,
                                                 with_code=with_code)
        return _pdf(pdf, f"carte-{reference}")
