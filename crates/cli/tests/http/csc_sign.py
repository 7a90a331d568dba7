"""Signs a PDF through rinnova's CSC API with pyHanko's CSCSigner (issue 22): the independent
client. Logs in with HTTP Basic (auth/login), fetches the credential (credentials/info), and
for each batch asks for an SMS code (credentials/sendOTP), reads it from the demo outbox and
authorises the hashes with PIN and code (credentials/authorize); CSCSigner then calls
signatures/signHash. The signature is time-stamped by the CA's TSA (PAdES B-T).

usage: csc_sign.py BASE USER PASSWORD PIN IN.pdf OUT.pdf
"""

import asyncio
import re
import sys

import aiohttp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.signers import csc_signer


async def main(base, user, password, pin, src, dst):
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/csc/v1/auth/login",
            auth=aiohttp.BasicAuth(user, password),
            json={},
            raise_for_status=True,
        ) as r:
            token = (await r.json())["access_token"]
        async with http.post(
            f"{base}/csc/v1/credentials/list",
            headers={"Authorization": f"Bearer {token}"},
            json={},
            raise_for_status=True,
        ) as r:
            (credential,) = (await r.json())["credentialIDs"]
        session = csc_signer.CSCServiceSessionInfo(
            service_url=base, credential_id=credential, oauth_token=token
        )
        info = await csc_signer.fetch_certs_in_csc_credential(http, session)
        assert info.hash_pinning_required, "SCAL 2"

        class PinAndSms(csc_signer.CSCAuthorizationManager):
            async def authorize_signature(self, hash_b64s):
                headers = self.auth_headers
                async with http.post(
                    session.endpoint_url("credentials/sendOTP"),
                    headers=headers,
                    json={"credentialID": credential},
                    raise_for_status=True,
                ):
                    pass
                async with http.get(
                    f"{base}/api/v1/demo/outbox", params={"user_id": user}
                ) as r:
                    sms = [m for m in await r.json() if m["channel"] == "sms"][0]
                code = re.search(r"\b(\d{6})\b", sms["body"]).group(1)
                req = self.format_csc_auth_request(
                    pin=pin, otp=code, hash_b64s=hash_b64s,
                    description="pyHanko CSCSigner test",
                )
                async with http.post(
                    session.endpoint_url("credentials/authorize"),
                    headers=headers,
                    json=req,
                    raise_for_status=True,
                ) as r:
                    return self.parse_csc_auth_response(await r.json())

        signer = csc_signer.CSCSigner(http, auth_manager=PinAndSms(session, info))
        with open(src, "rb") as f:
            writer = IncrementalPdfFileWriter(f)
            meta = signers.PdfSignatureMetadata(
                field_name="Signature1",
                subfilter=fields.SigSeedSubFilter.PADES,
            )
            pdf_signer = signers.PdfSigner(
                meta,
                signer=signer,
                timestamper=timestamps.HTTPTimeStamper(f"{base}/tsa"),
            )
            with open(dst, "wb") as out:
                await pdf_signer.async_sign_pdf(writer, output=out)


asyncio.run(main(*sys.argv[1:7]))
