"""Printed documents of a loan, as PDF: the loan agreement."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from inventory.services import agreements


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
