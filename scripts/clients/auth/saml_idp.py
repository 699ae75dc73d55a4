"""SAML sign-in (issue 20) against a SAML IdP we did not write the crypto of: signxml (on lxml
and cryptography) signs the assertions, Python's zlib inflates the emulator's AuthnRequest.
The IdP serves its metadata over HTTP (MetadataURL), answers the AuthnRequest it was sent
(InResponseTo, the ACS URL and audience it names), and the browser's part is played with
requests: authorize -> IdP -> POST /saml2/idpresponse -> code -> /oauth2/token."""
import base64
import datetime
import http.server
import json
import sys
import threading
import urllib.parse
import uuid
import zlib

import boto3
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner, methods

url = sys.argv[1]
CALLBACK = "http://localhost:5255/signin-saml"
ENTITY = "http://idp.local.test/saml"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"


def check(cond, what):
    if not cond:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok - {what}")


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.local.test")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (
    x509.CertificateBuilder()
    .subject_name(name)
    .issuer_name(name)
    .public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=1))
    .not_valid_after(now + datetime.timedelta(days=365))
    .sign(key, hashes.SHA256())
)
cert_pem = cert.public_bytes(serialization.Encoding.PEM)
cert_b64 = "".join(cert_pem.decode().strip().splitlines()[1:-1])
METADATA = f"""<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ENTITY}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
      <ds:X509Certificate>{cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://idp.local.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""


class Metadata(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = METADATA.encode()
        self.send_response(200)
        self.send_header("content-type", "application/samlmetadata+xml")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
threading.Thread(target=server.serve_forever, daemon=True).start()
metadata_url = f"http://127.0.0.1:{server.server_address[1]}/metadata"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def saml_response(request_xml, email):
    """What the IdP answers to the AuthnRequest after the user signed in."""
    req = etree.fromstring(request_xml)
    acs = req.get("AssertionConsumerServiceURL")
    audience = req.find(f"{{{SAML}}}Issuer").text
    t = datetime.datetime.now(datetime.timezone.utc)
    later = iso(t + datetime.timedelta(minutes=5))
    irt = req.get("ID")
    xml = f"""<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="_{uuid.uuid4().hex}" Version="2.0" IssueInstant="{iso(t)}" Destination="{acs}" InResponseTo="{irt}">
<saml:Issuer>{ENTITY}</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="_{uuid.uuid4().hex}" Version="2.0" IssueInstant="{iso(t)}">
<saml:Issuer>{ENTITY}</saml:Issuer>
<saml:Subject><saml:NameID>{email}</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{later}" Recipient="{acs}" InResponseTo="{irt}"/></saml:SubjectConfirmation></saml:Subject>
<saml:Conditions NotBefore="{iso(t)}" NotOnOrAfter="{later}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>
<saml:AttributeStatement><saml:Attribute Name="mail"><saml:AttributeValue>{email}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>
</saml:Assertion></samlp:Response>"""
    root = etree.fromstring(xml.encode())
    assertion = root.find(f"{{{SAML}}}Assertion")
    ds = "http://www.w3.org/2000/09/xmldsig#"
    # signxml fills in a placeholder Signature; it must use the ds prefix signxml signs with.
    placeholder = etree.Element(f"{{{ds}}}Signature", Id="placeholder", nsmap={"ds": ds})
    assertion.find(f"{{{SAML}}}Issuer").addnext(placeholder)
    signer = XMLSigner(method=methods.enveloped, c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
    signed = signer.sign(assertion, key=key, cert=cert_pem, reference_uri=assertion.get("ID"))
    root.replace(assertion, signed)
    return base64.b64encode(etree.tostring(root)).decode()


idp = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1")
pool_id = idp.create_user_pool(PoolName="saml")["UserPool"]["Id"]
provider = idp.create_identity_provider(
    UserPoolId=pool_id,
    ProviderName="CorpSAML",
    ProviderType="SAML",
    ProviderDetails={"MetadataURL": metadata_url},
    AttributeMapping={"email": "mail"},
)["IdentityProvider"]
check(
    provider["ProviderDetails"].get("SSORedirectBindingURI") == "http://idp.local.test/sso",
    "CreateIdentityProvider read the MetadataURL",
)
client_id = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="web",
    AllowedOAuthFlowsUserPoolClient=True,
    AllowedOAuthFlows=["code"],
    AllowedOAuthScopes=["openid", "email"],
    CallbackURLs=[CALLBACK],
    SupportedIdentityProviders=["CorpSAML"],
)["UserPoolClient"]["ClientId"]

browser = requests.Session()


def sign_in(email, replay=None):
    query = urllib.parse.urlencode(
        {"response_type": "code", "client_id": client_id, "redirect_uri": CALLBACK, "state": "s1", "identity_provider": "CorpSAML"}
    )
    to_idp = browser.get(f"{url}/oauth2/authorize?{query}", allow_redirects=False).headers["location"]
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(to_idp).query))
    request_xml = zlib.decompress(base64.b64decode(q["SAMLRequest"]), -15)
    answer = replay or saml_response(request_xml, email)
    posted = browser.post(
        f"{url}/saml2/idpresponse",
        data={"SAMLResponse": answer, "RelayState": q["RelayState"]},
        allow_redirects=False,
    )
    return request_xml, posted, answer


request_xml, posted, answer = sign_in("ann@corp.example")
req = etree.fromstring(request_xml)
check(req.find(f"{{{SAML}}}Issuer").text == f"urn:amazon:cognito:sp:{pool_id}", "AuthnRequest Issuer is the pool's entity ID")
check(req.get("AssertionConsumerServiceURL") == f"{url}/saml2/idpresponse", "AuthnRequest names /saml2/idpresponse")
back = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(posted.headers.get("location", "")).query))
check(posted.status_code == 302 and "code" in back and back.get("state") == "s1", "the signed response signs in")
tokens = requests.post(
    f"{url}/oauth2/token",
    data={"grant_type": "authorization_code", "code": back["code"], "redirect_uri": CALLBACK, "client_id": client_id},
).json()
id_claims = claims(tokens["id_token"])
check(id_claims["cognito:username"] == "CorpSAML_ann@corp.example", "the user is <ProviderName>_<NameID>")
check(id_claims["email"] == "ann@corp.example", "AttributeMapping applied")
check(id_claims["identities"][0]["providerType"] == "SAML", "ID token identities name the SAML provider")
user = idp.admin_get_user(UserPoolId=pool_id, Username="CorpSAML_ann@corp.example")
check(user["UserStatus"] == "EXTERNAL_PROVIDER", "the user is EXTERNAL_PROVIDER")
# The same assertion again (to a new request) is refused back to the app.
_, replayed, _ = sign_in("ann@corp.example", replay=answer)
again = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(replayed.headers.get("location", "")).query))
check(again.get("error") == "server_error" and "code" not in again, "a replayed assertion is refused")
print("saml idp: ok")
