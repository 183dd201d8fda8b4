//! Single sign-on with OpenID Connect, beside local accounts. Each council names its identity
//! provider (such as Microsoft Entra ID, with one issuer per tenant,
//! `https://login.microsoftonline.com/{tenant}/v2.0`), its client, and how the provider's role
//! or group claims map to carepanel roles. The flow is the authorisation code with PKCE (S256)
//! and a nonce; the ID token's signature, issuer, audience, expiry and nonce are checked before
//! any claim is believed.

use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// What stops a sign-in.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the single sign-on settings: {0}")]
    Config(String),
    #[error("the identity provider could not be reached or answered wrongly: {0}")]
    Provider(String),
    #[error("the identity provider's answer was refused: {0}")]
    Refused(String),
}

/// A carepanel role given by a claim value, for one panel or every panel of the council.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RoleGrant {
    pub role: String,
    #[serde(default)]
    pub panel: Option<String>,
}

/// One council's identity provider, as the settings file describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The council whose people sign in here (its id in the policy files).
    pub council: String,
    /// What the sign-in button says, such as "Bexley staff sign-in".
    pub label: String,
    /// The issuer: for Entra ID, https://login.microsoftonline.com/{tenant}/v2.0.
    pub issuer: String,
    pub client_id: String,
    /// The client secret, or the name of the environment variable that holds it.
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// Where the provider sends people back: SERVICE/sign-in/sso/{council}/callback.
    pub redirect_url: String,
    /// The claim that lists the person's app roles or groups: "roles" (Entra app roles) or
    /// "groups" (Entra group ids).
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
    /// Claim value to carepanel roles. Only roles named here are managed by sign-in: given
    /// when the claim has the value, taken away when it no longer has it; others are left.
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<RoleGrant>>,
}

fn default_roles_claim() -> String {
    "roles".to_string()
}

/// The settings file: one `[[provider]]` per council.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default, rename = "provider")]
    pub providers: Vec<ProviderConfig>,
}

impl Settings {
    pub fn parse(text: &str) -> Result<Settings, SsoError> {
        let s: Settings = toml::from_str(text).map_err(|e| SsoError::Config(e.to_string()))?;
        for p in &s.providers {
            if p.client_secret.is_none() && p.client_secret_env.is_none() {
                return Err(SsoError::Config(format!(
                    "provider for {}: give client_secret or client_secret_env",
                    p.council
                )));
            }
            if s.providers
                .iter()
                .filter(|q| q.council == p.council)
                .count()
                > 1
            {
                return Err(SsoError::Config(format!(
                    "provider for {}: one provider per council",
                    p.council
                )));
            }
        }
        Ok(s)
    }
}

/// What the provider vouches for, once the ID token has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    /// The `email` claim, lower case, only when the provider says it has verified it
    /// (`email_verified`, or Entra ID's `xms_edov`): the only address an account may be linked
    /// by. `preferred_username` is never used, as a person may choose it.
    pub verified_email: Option<String>,
    pub name: Option<String>,
    /// The values of the roles claim.
    pub claim_values: Vec<String>,
}

/// A sign-in started: where to send the person, and what to keep until they come back.
#[derive(Debug, Clone)]
pub struct Started {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// A client made from a provider's discovery document: its authorisation endpoint is set,
/// its token and user-info endpoints as the document gives them.
type DiscoveredClient = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    openidconnect::core::CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// A council's provider, discovered.
#[derive(Clone)]
pub struct Provider {
    pub config: ProviderConfig,
    metadata: CoreProviderMetadata,
    secret: String,
    http: openidconnect::reqwest::Client,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("council", &self.config.council)
            .field("issuer", &self.config.issuer)
            .finish()
    }
}

impl Provider {
    /// Reads the provider's discovery document (/.well-known/openid-configuration) and keys.
    pub async fn discover(config: ProviderConfig) -> Result<Provider, SsoError> {
        let secret = match (&config.client_secret, &config.client_secret_env) {
            (Some(s), _) => s.clone(),
            (None, Some(var)) => std::env::var(var).map_err(|_| {
                SsoError::Config(format!(
                    "provider for {}: the environment variable {var} is not set",
                    config.council
                ))
            })?,
            (None, None) => {
                return Err(SsoError::Config(format!(
                    "provider for {}: no client secret",
                    config.council
                )));
            }
        };
        // No redirects: the provider's endpoints are taken as published (no SSRF by redirect).
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| SsoError::Provider(e.to_string()))?;
        let issuer =
            IssuerUrl::new(config.issuer.clone()).map_err(|e| SsoError::Config(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .map_err(|e| SsoError::Provider(format!("discovery at {}: {e}", config.issuer)))?;
        RedirectUrl::new(config.redirect_url.clone())
            .map_err(|e| SsoError::Config(format!("redirect_url: {e}")))?;
        Ok(Provider {
            config,
            metadata,
            secret,
            http,
        })
    }

    fn client(&self) -> Result<DiscoveredClient, SsoError> {
        let redirect = RedirectUrl::new(self.config.redirect_url.clone())
            .map_err(|e| SsoError::Config(format!("redirect_url: {e}")))?;
        Ok(CoreClient::from_provider_metadata(
            self.metadata.clone(),
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    /// Where to send someone to sign in, with a fresh state, nonce and PKCE verifier.
    pub fn start(&self) -> Result<Started, SsoError> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = self
            .client()?
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code for tokens and checks the ID token (signature against the
    /// provider's keys, issuer, audience, expiry, nonce); returns who it vouches for.
    pub async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Identity, SsoError> {
        let client = self.client()?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| SsoError::Config(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| SsoError::Provider(format!("the code exchange: {e}")))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| SsoError::Refused("no ID token in the answer".into()))?;
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &Nonce::new(nonce.to_string()))
            .map_err(|e| SsoError::Refused(format!("the ID token: {e}")))?;
        // The token is verified; its other claims (roles or groups) are read from the same
        // payload.
        let payload = id_token
            .to_string()
            .split('.')
            .nth(1)
            .map(str::to_string)
            .unwrap_or_default();
        let extra: serde_json::Value = decode_segment(&payload)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(serde_json::Value::Null);
        let claim_values = match &extra[self.config.roles_claim.as_str()] {
            serde_json::Value::Array(v) => v
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            serde_json::Value::String(s) => vec![s.clone()],
            _ => Vec::new(),
        };
        let verified = claims.email_verified() == Some(true)
            || extra["xms_edov"].as_bool() == Some(true)
            || extra["xms_edov"].as_str() == Some("1")
            || extra["xms_edov"].as_i64() == Some(1);
        let verified_email = claims
            .email()
            .filter(|_| verified)
            .map(|e| e.as_str().trim().to_lowercase());
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string());
        Ok(Identity {
            issuer: claims.issuer().as_str().to_string(),
            subject: claims.subject().as_str().to_string(),
            verified_email,
            name,
            claim_values,
        })
    }

    /// The roles this provider manages, and those the claim values give.
    pub fn roles(&self, claim_values: &[String]) -> (Vec<RoleGrant>, Vec<RoleGrant>) {
        let mut managed: Vec<RoleGrant> = Vec::new();
        let mut given: Vec<RoleGrant> = Vec::new();
        for (value, grants) in &self.config.roles {
            for g in grants {
                if !managed.contains(g) {
                    managed.push(g.clone());
                }
                if claim_values.contains(value) && !given.contains(g) {
                    given.push(g.clone());
                }
            }
        }
        (managed, given)
    }
}

/// The councils' providers, discovered when first used and again after an hour, so a provider
/// that rotates its signing keys (Entra ID does) is followed, and one that is down at start-up
/// does not stop the service.
#[derive(Debug, Default)]
pub struct Registry {
    entries: Vec<(ProviderConfig, Slot)>,
}

/// A provider once discovered, with when.
type Slot = tokio::sync::Mutex<Option<(std::time::Instant, Provider)>>;

/// How long a discovered provider is used before its document and keys are read again.
const REDISCOVER_AFTER: Duration = Duration::from_secs(3600);

impl Registry {
    pub fn new(settings: Settings) -> Registry {
        Registry {
            entries: settings
                .providers
                .into_iter()
                .map(|c| (c, tokio::sync::Mutex::new(None)))
                .collect(),
        }
    }

    /// The councils with a provider, with their button labels.
    pub fn councils(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .map(|(c, _)| (c.council.clone(), c.label.clone()))
            .collect()
    }

    /// The settings of a council's provider, if it has one.
    pub fn config(&self, council: &str) -> Option<&ProviderConfig> {
        self.entries
            .iter()
            .find(|(c, _)| c.council == council)
            .map(|(c, _)| c)
    }

    /// A council's provider, discovered if need be; none if the council has no provider.
    pub async fn provider(&self, council: &str) -> Result<Option<Provider>, SsoError> {
        let Some((config, slot)) = self.entries.iter().find(|(c, _)| c.council == council) else {
            return Ok(None);
        };
        let mut slot = slot.lock().await;
        if let Some((at, p)) = slot.as_ref()
            && at.elapsed() < REDISCOVER_AFTER
        {
            return Ok(Some(p.clone()));
        }
        let p = Provider::discover(config.clone()).await?;
        *slot = Some((std::time::Instant::now(), p.clone()));
        Ok(Some(p))
    }
}

/// Base64url without padding, as JWT segments are written.
fn decode_segment(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            b'=' => continue,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_segments_decode() {
        assert_eq!(
            decode_segment("eyJhIjoxfQ").as_deref(),
            Some(&b"{\"a\":1}"[..])
        );
        assert_eq!(decode_segment("_-8").as_deref(), Some(&[0xff, 0xef][..]));
        assert!(decode_segment("a b").is_none());
    }

    #[test]
    fn settings_name_what_is_wrong() {
        let ok = Settings::parse(
            r#"
[[provider]]
council = "bexley"
label = "Bexley staff sign-in"
issuer = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"
client_id = "carepanel"
client_secret_env = "BEXLEY_SECRET"
redirect_url = "https://panels.example/sign-in/sso/bexley/callback"
[provider.roles]
"Panel.Chair" = [{ role = "deputy-director", panel = "bexley-rcp" }]
"#,
        );
        let s = ok.unwrap_or_default();
        assert_eq!(s.providers.len(), 1);
        assert_eq!(s.providers[0].roles_claim, "roles");
        let no_secret = Settings::parse(
            "[[provider]]\ncouncil = \"bexley\"\nlabel = \"x\"\nissuer = \"https://x\"\nclient_id = \"c\"\nredirect_url = \"https://y\"\n",
        );
        assert!(no_secret.is_err_and(|e| e.to_string().contains("client_secret")));
        let typo = Settings::parse("[[provider]]\ncouncil = \"bexley\"\nissuer_url = \"x\"\n");
        assert!(typo.is_err_and(|e| e.to_string().contains("issuer_url")));
    }
}
