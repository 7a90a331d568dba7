//! The certificate profiles: qualified certificates for natural persons (ETSI EN 319 412-2/-5,
//! AgID Determinazione 121/2019; see shared/STANDARDS.md) and the CA certificates above them.

use crate::CaError;
use der::Encode;
use der::asn1::{Any, Ia5String, ObjectIdentifier as Oid, PrintableStringRef};
use rcgen::{
    CertificateParams, CrlDistributionPoint, CustomExtension, DistinguishedName, DnType, DnValue,
    KeyUsagePurpose,
};
use rinnova_domain::{CertificateKind, CodiceFiscale};
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AccessDescription, AuthorityInfoAccessSyntax, CertificatePolicies};

/// Attribute types not named by rcgen (X.520).
pub mod attr {
    pub const GIVEN_NAME: &[u64] = &[2, 5, 4, 42];
    pub const SURNAME: &[u64] = &[2, 5, 4, 4];
    pub const SERIAL_NUMBER: &[u64] = &[2, 5, 4, 5];
    pub const DN_QUALIFIER: &[u64] = &[2, 5, 4, 46];
    pub const TITLE: &[u64] = &[2, 5, 4, 12];
    pub const ORGANIZATION_IDENTIFIER: &[u64] = &[2, 5, 4, 97];
}

/// Policy and statement identifiers (STANDARDS.md).
pub mod oid {
    use der::asn1::ObjectIdentifier as Oid;
    /// QCP-n-qscd (EN 319 411-2).
    pub const QCP_N_QSCD: Oid = Oid::new_unwrap("0.4.0.194112.1.2");
    /// Remote QSCD (TS 119 431-1).
    pub const REMOTE_QSCD: Oid = Oid::new_unwrap("0.4.0.19431.1.1.3");
    /// AgID's agIDcert: adoption of its recommendations.
    pub const AGID_CERT: Oid = Oid::new_unwrap("1.3.76.16.6");
    pub const QC_STATEMENTS: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 3];
    pub const QC_COMPLIANCE: Oid = Oid::new_unwrap("0.4.0.1862.1.1");
    pub const QC_SSCD: Oid = Oid::new_unwrap("0.4.0.1862.1.4");
    pub const QC_PDS: Oid = Oid::new_unwrap("0.4.0.1862.1.5");
    pub const QC_TYPE: Oid = Oid::new_unwrap("0.4.0.1862.1.6");
    pub const QC_TYPE_ESIGN: Oid = Oid::new_unwrap("0.4.0.1862.1.6.1");
    pub const CERTIFICATE_POLICIES: &[u64] = &[2, 5, 29, 32];
    pub const AUTHORITY_INFO_ACCESS: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];
    pub const AD_OCSP: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1");
    pub const AD_CA_ISSUERS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.2");
}

/// Who a qualified certificate names.
#[derive(Debug, Clone)]
pub struct HolderSubject {
    pub given_name: String,
    pub surname: String,
    pub codice_fiscale: CodiceFiscale,
    /// The holder's unique identifier at the CA (dnQualifier).
    pub iut: String,
    /// Role data (SPEC §1), written as `title`.
    pub title: Option<String>,
    /// Only with the organisation's consent.
    pub organization: Option<String>,
}

/// Where relying parties find status and disclosure statements.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ProfileUrls {
    pub crl: String,
    pub ocsp: String,
    pub ca_issuers: String,
    /// PKI disclosure statement in English (mandatory) and Italian.
    pub pds_en: String,
    pub pds_it: String,
}

impl ProfileUrls {
    /// The URLs under one public base address. Status URLs use plain HTTP, as EN 319 412-2
    /// §4.3.11 and RFC 5280 expect (CRLs and OCSP answers are signed; TLS would make relying
    /// parties depend on another PKI to fetch them).
    pub fn under(base: &str) -> Self {
        let b = base.trim_end_matches('/');
        let plain = b
            .strip_prefix("https://")
            .map_or_else(|| b.to_owned(), |host| format!("http://{host}"));
        Self {
            crl: format!("{plain}/ca/crl.der"),
            ocsp: format!("{plain}/ca/ocsp"),
            ca_issuers: format!("{plain}/ca/issuing.der"),
            pds_en: format!("{b}/pds/en"),
            pds_it: format!("{b}/pds/it"),
        }
    }

    /// The root CA's CRL, beside the issuing CA's (`…/ca/root-crl.der`).
    pub fn root_crl(&self) -> String {
        beside(&self.crl, "root-crl.der")
    }

    /// The root CA's certificate, beside the issuing CA's (`…/ca/root.der`).
    pub fn root_cert(&self) -> String {
        beside(&self.ca_issuers, "root.der")
    }
}

/// `url` with its last path segment replaced by `name`.
fn beside(url: &str, name: &str) -> String {
    match url.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{name}"),
        None => name.to_owned(),
    }
}

#[derive(der::Sequence)]
struct QcStatement {
    statement_id: Oid,
    #[asn1(optional = "true")]
    statement_info: Option<Any>,
}

#[derive(der::Sequence)]
struct PdsLocation {
    url: Ia5String,
    language: der::asn1::PrintableString,
}

fn any_of(value: &impl Encode) -> Result<Any, CaError> {
    Ok(Any::from_der(&value.to_der()?)?)
}

use der::Decode;

/// QCStatements (EN 319 412-5): compliance, QSCD, type esign, PDS.
fn qc_statements(urls: &ProfileUrls) -> Result<CustomExtension, CaError> {
    let pds = vec![
        PdsLocation {
            url: Ia5String::new(&urls.pds_en)?,
            language: der::asn1::PrintableString::new("en")?,
        },
        PdsLocation {
            url: Ia5String::new(&urls.pds_it)?,
            language: der::asn1::PrintableString::new("it")?,
        },
    ];
    let statements = vec![
        QcStatement {
            statement_id: oid::QC_COMPLIANCE,
            statement_info: None,
        },
        QcStatement {
            statement_id: oid::QC_SSCD,
            statement_info: None,
        },
        QcStatement {
            statement_id: oid::QC_TYPE,
            statement_info: Some(any_of(&vec![oid::QC_TYPE_ESIGN])?),
        },
        QcStatement {
            statement_id: oid::QC_PDS,
            statement_info: Some(any_of(&pds)?),
        },
    ];
    Ok(CustomExtension::from_oid_content(
        oid::QC_STATEMENTS,
        statements.to_der()?,
    ))
}

fn policies(ids: &[Oid]) -> Result<CustomExtension, CaError> {
    let p = CertificatePolicies(
        ids.iter()
            .map(|&policy_identifier| PolicyInformation {
                policy_identifier,
                policy_qualifiers: None,
            })
            .collect(),
    );
    Ok(CustomExtension::from_oid_content(
        oid::CERTIFICATE_POLICIES,
        p.to_der()?,
    ))
}

/// An end entity's authority information access: the issuing CA's certificate and OCSP.
pub(crate) fn aia(urls: &ProfileUrls) -> Result<CustomExtension, CaError> {
    let entry = |access_method, url: &str| -> Result<AccessDescription, CaError> {
        Ok(AccessDescription {
            access_method,
            access_location: GeneralName::UniformResourceIdentifier(Ia5String::new(url)?),
        })
    };
    let a = AuthorityInfoAccessSyntax(vec![
        entry(oid::AD_CA_ISSUERS, &urls.ca_issuers)?,
        entry(oid::AD_OCSP, &urls.ocsp)?,
    ]);
    Ok(CustomExtension::from_oid_content(
        oid::AUTHORITY_INFO_ACCESS,
        a.to_der()?,
    ))
}

/// A CA certificate's authority information access: where its issuer, the root, is found
/// (caIssuers only: the root answers no OCSP, its CRL is in the CRL distribution point).
pub fn ca_aia(urls: &ProfileUrls) -> Result<CustomExtension, CaError> {
    let a = AuthorityInfoAccessSyntax(vec![AccessDescription {
        access_method: oid::AD_CA_ISSUERS,
        access_location: GeneralName::UniformResourceIdentifier(Ia5String::new(&urls.root_cert())?),
    }]);
    Ok(CustomExtension::from_oid_content(
        oid::AUTHORITY_INFO_ACCESS,
        a.to_der()?,
    ))
}

fn printable(s: &str) -> Result<DnValue, CaError> {
    // Validate with der's rules, then hand the text to rcgen.
    PrintableStringRef::new(s)?;
    rcgen::string::PrintableString::try_from(s)
        .map(DnValue::PrintableString)
        .map_err(|e| CaError::Certificate(e.to_string()))
}

fn utf8(s: &str) -> DnValue {
    DnValue::Utf8String(s.to_owned())
}

/// The subject of a qualified certificate for a natural person (EN 319 412-2 §4.2.4, AgID).
pub fn holder_name(s: &HolderSubject) -> Result<DistinguishedName, CaError> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, printable("IT")?);
    if let Some(org) = &s.organization {
        dn.push(DnType::OrganizationName, utf8(org));
    }
    dn.push(
        DnType::CustomDnType(attr::GIVEN_NAME.to_vec()),
        utf8(&s.given_name),
    );
    dn.push(
        DnType::CustomDnType(attr::SURNAME.to_vec()),
        utf8(&s.surname),
    );
    dn.push(
        DnType::CommonName,
        utf8(&format!("{} {}", s.given_name, s.surname)),
    );
    dn.push(
        DnType::CustomDnType(attr::SERIAL_NUMBER.to_vec()),
        printable(&format!("TINIT-{}", s.codice_fiscale))?,
    );
    dn.push(
        DnType::CustomDnType(attr::DN_QUALIFIER.to_vec()),
        printable(&s.iut)?,
    );
    if let Some(title) = &s.title {
        dn.push(DnType::CustomDnType(attr::TITLE.to_vec()), utf8(title));
    }
    Ok(dn)
}

/// The name of a CA certificate: country, organisation, its identifier, common name
/// (EN 319 412-3 for legal persons).
pub fn ca_name(
    organization: &str,
    organization_identifier: &str,
    common_name: &str,
) -> Result<DistinguishedName, CaError> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, printable("IT")?);
    dn.push(DnType::OrganizationName, utf8(organization));
    dn.push(
        DnType::CustomDnType(attr::ORGANIZATION_IDENTIFIER.to_vec()),
        utf8(organization_identifier),
    );
    dn.push(DnType::CommonName, utf8(common_name));
    Ok(dn)
}

/// The parts of a qualified signature certificate that do not depend on the holder (keyUsage
/// nonRepudiation only, critical; policies; QCStatements; AIA; CRL distribution point),
/// encoded once per CA rather than once per certificate.
#[derive(Debug, Clone)]
pub struct QualifiedTemplate {
    /// Remote signature: the policies include the remote-QSCD one.
    remote: CertificateParams,
    /// A qualified signature key on a card.
    card: CertificateParams,
    /// The CNS (Carta Nazionale dei Servizi) authentication certificate: not a qualified
    /// signature certificate (no nonRepudiation, no QC statements); digitalSignature for TLS
    /// client authentication.
    cns: CertificateParams,
}

impl QualifiedTemplate {
    pub fn new(ca_policy: Oid, urls: &ProfileUrls) -> Result<Self, CaError> {
        Ok(Self {
            remote: template(CertificateKind::RemoteSignature, ca_policy, urls)?,
            card: template(CertificateKind::CardSignature, ca_policy, urls)?,
            cns: cns_template(ca_policy, urls)?,
        })
    }

    /// The parameters for one holder's certificate (validity and serial still to be set).
    pub fn params(
        &self,
        subject: &HolderSubject,
        kind: CertificateKind,
    ) -> Result<CertificateParams, CaError> {
        let mut p = match kind {
            CertificateKind::RemoteSignature => self.remote.clone(),
            CertificateKind::CardSignature => self.card.clone(),
            CertificateKind::Cns => self.cns.clone(),
        };
        p.distinguished_name = holder_name(subject)?;
        Ok(p)
    }
}

fn cns_template(ca_policy: Oid, urls: &ProfileUrls) -> Result<CertificateParams, CaError> {
    let mut p = CertificateParams::default();
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    p.is_ca = rcgen::IsCa::ExplicitNoCa;
    p.use_authority_key_identifier_extension = true;
    p.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![urls.crl.clone()],
    }];
    p.custom_extensions = vec![policies(&[ca_policy])?, aia(urls)?];
    Ok(p)
}

fn template(
    kind: CertificateKind,
    ca_policy: Oid,
    urls: &ProfileUrls,
) -> Result<CertificateParams, CaError> {
    let mut p = CertificateParams::default();
    p.key_usages = vec![KeyUsagePurpose::ContentCommitment];
    // Explicit "not a CA" also makes rcgen write the subject key identifier (RFC 5280 §4.2.1.2).
    p.is_ca = rcgen::IsCa::ExplicitNoCa;
    p.use_authority_key_identifier_extension = true;
    p.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![urls.crl.clone()],
    }];
    let mut ids = vec![ca_policy, oid::QCP_N_QSCD];
    if kind == CertificateKind::RemoteSignature {
        ids.push(oid::REMOTE_QSCD);
    }
    ids.push(oid::AGID_CERT);
    p.custom_extensions = vec![policies(&ids)?, aia(urls)?, qc_statements(urls)?];
    Ok(p)
}
