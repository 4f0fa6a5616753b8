//! The token formats the scanner knows: documented prefixes, lengths and alphabets of the keys
//! and tokens vendors issue (facts collected from the vendors' documentation and the public
//! rule sets of gitleaks and detect-secrets; the patterns are written here).
//!
//! A format is found where one of its anchors occurs. `Anchored` formats match from the
//! anchor on (the regex starts with the anchor, and the byte before it must not be a letter or
//! digit); `Line` formats are matched over the anchor's line (the anchor is in the middle of
//! the token, or the format needs the words around it). Capture group 1 is the secret.

use crate::rule;

/// Where the regex of a format runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// From the anchor's start.
    Anchored,
    /// Over the anchor's line (clipped around it).
    Line,
}

/// How a candidate is checked beyond its regex.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Check {
    /// The match is the secret (a documented format): placeholders aside.
    Token,
    /// A private-key header: the body that follows must look like a real key.
    Key,
    /// A JWT: its header must decode to a JSON object.
    Jwt,
    /// `Authorization: Basic …`: must decode to `user:password`.
    Basic,
    /// A URL with a password.
    Url,
    /// `access-tokens` in a nix.conf.
    NixTokens,
    /// A `users-groups.json` field.
    UsersGroups,
    /// An htpasswd line: `user:{PLAIN}pw` or a hash.
    Htpasswd,
    /// `machine … login … password …` (netrc).
    Netrc,
    /// `curl -u user:password`.
    CurlUser,
}

/// One format.
pub(crate) struct Format {
    pub kind: &'static str,
    pub description: &'static str,
    pub anchors: &'static [&'static str],
    /// The anchors must match with this case (else ASCII case-insensitively).
    pub case: bool,
    pub regex: &'static str,
    pub mode: Mode,
    pub check: Check,
    /// Characters kept visible in the redacted form (a documented prefix).
    pub keep: usize,
    /// Minimum Shannon entropy of the secret, bits per character.
    pub entropy: f64,
    pub rule: &'static str,
    /// Only in configuration-like files.
    pub config_only: bool,
}

const fn tok(
    kind: &'static str,
    description: &'static str,
    anchors: &'static [&'static str],
    regex: &'static str,
    keep: usize,
) -> Format {
    Format {
        kind,
        description,
        anchors,
        case: true,
        regex,
        mode: Mode::Anchored,
        check: Check::Token,
        keep,
        entropy: 2.5,
        rule: rule::SECRET_IN_STORE,
        config_only: false,
    }
}

const fn line(
    kind: &'static str,
    description: &'static str,
    anchors: &'static [&'static str],
    regex: &'static str,
    check: Check,
) -> Format {
    Format {
        kind,
        description,
        anchors,
        case: false,
        regex,
        mode: Mode::Line,
        check,
        keep: 0,
        entropy: 0.0,
        rule: rule::SECRET_IN_STORE,
        config_only: false,
    }
}

/// Every token format.
pub(crate) const FORMATS: &[Format] = &[
    // --- keys -------------------------------------------------------------------------------
    line(
        "private-key",
        "private key (PEM, OpenSSH or PGP)",
        &["-----BEGIN "],
        r"-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----",
        Check::Key,
    ),
    line(
        "putty-private-key",
        "PuTTY private key",
        &["PuTTY-User-Key-File-"],
        r"PuTTY-User-Key-File-[23]: [\w-]+",
        Check::Key,
    ),
    tok(
        "age-secret-key",
        "age identity (agenix, sops-nix)",
        &["AGE-SECRET-KEY-1"],
        r"^(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})",
        15,
    ),
    line(
        "wireguard-private-key",
        "WireGuard private or pre-shared key",
        &["privatekey", "private-key", "private_key", "presharedkey", "preshared-key", "preshared_key"],
        r#"(?i)(?:private[-_]?key|preshared[-_]?key)["']?\s*(?:[=:]|\s)\s*(?:<\(echo\s+)?["']?([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)(?:$|[^A-Za-z0-9+/=])"#,
        Check::Token,
    ),
    // --- cloud -------------------------------------------------------------------------------
    tok(
        "aws-access-key-id",
        "AWS access key id",
        &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
        r"^((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})(?:$|[^A-Za-z0-9])",
        4,
    ),
    line(
        "aws-secret-access-key",
        "AWS secret access key",
        &["aws_secret_access_key", "aws-secret-access-key", "secretaccesskey", "aws_secret_key", "aws_access_key"],
        r#"(?i)aws[_-]?(?:secret[_-]?)?(?:access[_-]?)?key["']?\s*[:=]+\s*["']?([A-Za-z0-9/+=]{40})(?:$|[^A-Za-z0-9/+=])"#,
        Check::Token,
    ),
    tok(
        "aws-bedrock-api-key",
        "Amazon Bedrock API key",
        &["ABSKQmVkcm9ja0FQSUtleS", "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t"],
        r"^((?:ABSKQmVkcm9ja0FQSUtleS[A-Za-z0-9+/]{109,269}={0,2})|(?:bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%]{20,}))",
        4,
    ),
    tok(
        "google-api-key",
        "Google API key",
        &["AIza"],
        r"^(AIza[0-9A-Za-z_\-]{35})(?:$|[^0-9A-Za-z_\-])",
        4,
    ),
    tok("google-oauth-secret", "Google OAuth client secret", &["GOCSPX-"], r"^(GOCSPX-[A-Za-z0-9_\-]{28})", 7),
    line(
        "azure-ad-client-secret",
        "Azure AD client secret",
        &["Q~"],
        r"(?:^|[^A-Za-z0-9_~.-])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?:$|[^A-Za-z0-9_~.-])",
        Check::Token,
    ),
    line(
        "azure-storage-key",
        "Azure storage account key",
        &["accountkey="],
        r"(?i)AccountKey=([A-Za-z0-9+/]{86}==)",
        Check::Token,
    ),
    tok("digitalocean-token", "DigitalOcean token", &["dop_v1_", "doo_v1_", "dor_v1_"], r"^(do[por]_v1_[a-f0-9]{64})", 7),
    tok("heroku-api-key", "Heroku API key", &["HRKU-"], r"^(HRKU-AA[0-9a-zA-Z_-]{58})", 5),
    tok("flyio-token", "Fly.io access token", &["fo1_", "fm1r_", "fm1a_", "fm2_"], r"^((?:fo1_[\w-]{43})|(?:fm[12][ar]?_[a-zA-Z0-9+/]{100,}={0,3}))", 4),
    tok("vault-token", "HashiCorp Vault token", &["hvs.", "hvb."], r"^(hv[sb]\.[\w-]{90,300})", 4),
    tok("terraform-cloud-token", "Terraform Cloud token", &[".atlasv1."], r"^(\.atlasv1\.[a-zA-Z0-9\-_=]{60,70})", 0),
    tok("doppler-token", "Doppler token", &["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."], r"^(dp\.(?:pt|st|sa|ct|scim|audit)\.[a-zA-Z0-9]{40,44})", 6),
    tok("dynatrace-token", "Dynatrace API token", &["dt0c01."], r"^(dt0c01\.[a-zA-Z0-9]{24}\.[a-z0-9]{64})", 7),
    tok("databricks-token", "Databricks token", &["dapi"], r"^(dapi[a-f0-9]{32}(?:-\d)?)(?:$|[^A-Za-z0-9])", 4),
    tok("pulumi-token", "Pulumi access token", &["pul-"], r"^(pul-[a-f0-9]{40})", 4),
    tok("scalingo-token", "Scalingo API token", &["tk-us-"], r"^(tk-us-[\w-]{48})", 6),
    tok("alibaba-access-key-id", "Alibaba Cloud access key id", &["LTAI"], r"^(LTAI[a-zA-Z0-9]{20})(?:$|[^A-Za-z0-9])", 4),
    tok("yandex-token", "Yandex Cloud token", &["t1.", "YC"], r"^((?:t1\.[A-Z0-9a-z_-]+[=]{0,2}\.[A-Z0-9a-z_-]{86}[=]{0,2})|(?:YC[a-zA-Z0-9_\-]{38}))(?:$|[^A-Za-z0-9_\-])", 2),
    tok("openshift-token", "OpenShift user token", &["sha256~"], r"^(sha256~[\w-]{43})(?:$|[^\w-])", 7),
    // --- forges and CI -------------------------------------------------------------------------
    tok(
        "github-token",
        "GitHub token",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        r"^((?:gh[pousr]_[A-Za-z0-9]{36,255})|github_pat_[A-Za-z0-9_]{82})",
        4,
    ),
    tok(
        "gitlab-token",
        "GitLab token",
        &["glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "glimt-", "glagent-", "gloas-", "glsoat-", "glft-", "glffct-", "GR1348941", "glrtr-"],
        r"^((?:glpat-[\w-]{20}(?:\.[\w-]{9,})?)|(?:gldt-[\w-]{20})|(?:glrtr?-(?:[\w-]{20}|t\d_[\w-]{27}\.[\w-]{9}))|(?:glptt-[0-9a-f]{40})|(?:glcbt-(?:[0-9a-fA-F]{2}_)?[\w-]{20})|(?:glimt-[\w-]{25})|(?:glagent-[\w-]{50,1024})|(?:gloas-[\w-]{64})|(?:glsoat-[\w-]{20})|(?:glft-[\w-]{20})|(?:glffct-[\w-]{20})|(?:GR1348941[\w-]{20}))(?:$|[^\w-])",
        6,
    ),
    line("gitlab-cicd-job-token", "GitLab CI/CD job token", &["glcbt-"], r"(glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20})", Check::Token),
    tok("bitbucket-token", "Bitbucket/Atlassian token", &["ATATT3", "ATCTT3"], r"^(AT[AC]TT3[A-Za-z0-9_\-=]{186})", 6),
    tok("sourcegraph-token", "Sourcegraph access token", &["sgp_"], r"^(sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}|sgp_[a-fA-F0-9]{40})(?:$|[^\w])", 4),
    tok("sonar-token", "SonarQube token", &["squ_", "sqp_", "sqa_"], r"^(sq[upa]_[a-z0-9]{40})", 4),
    tok("snyk-token", "Snyk token", &["snyk_"], r"^(snyk_[a-z]{3}\.[\w.-]{20,})", 5),
    tok("harness-token", "Harness API key", &["pat.", "sat."], r"^((?:pat|sat)\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20})", 4),
    tok("octopus-deploy-key", "Octopus Deploy API key", &["API-"], r"^(API-[A-Z0-9]{26})(?:$|[^A-Za-z0-9])", 4),
    tok("jfrog-token", "JFrog/Artifactory key or token", &["AKCp", "cmVmdGtu"], r"^((?:AKCp[A-Za-z0-9]{69})|(?:cmVmdGtu[A-Za-z0-9]{56}))(?:$|[^A-Za-z0-9])", 4),
    tok("travis-token", "Travis CI token", &["travis_"], r"^(travis_[a-zA-Z0-9]{22})", 7),
    tok("clojars-token", "Clojars deploy token", &["CLOJARS_"], r"^(CLOJARS_[a-z0-9]{60})", 8),
    tok("rubygems-token", "RubyGems API key", &["rubygems_"], r"^(rubygems_[a-f0-9]{48})", 10),
    tok("npm-token", "npm access token", &["npm_"], r"^(npm_[A-Za-z0-9]{36})(?:$|[^A-Za-z0-9])", 4),
    tok("pypi-token", "PyPI upload token", &["pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw"], r"^(pypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{70,})", 5),
    tok("nuget-key", "NuGet API key", &["oy2"], r"^(oy2[a-z0-9]{43})(?:$|[^a-z0-9])", 3),
    tok("prefect-token", "Prefect API token", &["pnu_"], r"^(pnu_[a-zA-Z0-9]{36})", 4),
    tok("readme-token", "ReadMe API token", &["rdme_"], r"^(rdme_[a-z0-9]{70})", 5),
    tok("infracost-token", "Infracost API token", &["ico-"], r"^(ico-[a-zA-Z0-9]{32})(?:$|[^A-Za-z0-9])", 4),
    // --- chat and messaging ---------------------------------------------------------------------
    tok(
        "slack-token",
        "Slack token",
        &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxo-", "xoxe.xox", "xoxe-", "xapp-"],
        r"^((?:xox[bpaors]-(?:\d+-)+[0-9A-Za-z]{8,}(?:-[0-9A-Za-z]+)*)|(?:xoxb-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,})|(?:xox[aps]-\d-[0-9A-Za-z-]{20,})|(?:xoxe\.xox[bp]-\d-[A-Z0-9]{163,166})|(?:xoxe-\d-[A-Za-z0-9]{100,})|(?:xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+)|(?:xox[pbar]-[0-9a-zA-Z]{20,}))",
        5,
    ),
    line(
        "slack-webhook",
        "Slack webhook URL",
        &["hooks.slack.com/"],
        r"hooks\.slack\.com/(?:services|workflows|triggers)/((?:T[A-Z0-9]{6,}/)?[A-Za-z0-9+/]{20,})",
        Check::Token,
    ),
    line(
        "teams-webhook",
        "Microsoft Teams webhook URL",
        &[".webhook.office.com/"],
        r"\.webhook\.office\.com/webhookb2/([a-z0-9-]{36}@[a-z0-9-]{36}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9-]{36})",
        Check::Token,
    ),
    line(
        "discord-webhook",
        "Discord webhook URL",
        &["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"],
        r"discord(?:app)?\.com/api/webhooks/(\d+/[\w-]{60,})",
        Check::Token,
    ),
    line(
        "telegram-bot-token",
        "Telegram bot token",
        &[":AA"],
        r"(?:^|[^0-9A-Za-z])(?:bot)?(\d{8,10}:AA[0-9A-Za-z_-]{32,33})(?:$|[^0-9A-Za-z_-])",
        Check::Token,
    ),
    tok("twilio-key", "Twilio API key", &["SK"], r"^(SK[0-9a-fA-F]{32})(?:$|[^0-9A-Za-z])", 2),
    tok("sendgrid-key", "SendGrid API key", &["SG."], r"^(SG\.[\w-]{22}\.[\w-]{43})(?:$|[^\w-])", 3),
    tok("sendinblue-key", "Sendinblue (Brevo) API key", &["xkeysib-"], r"^(xkeysib-[a-f0-9]{64}-[a-zA-Z0-9]{16})", 8),
    tok("mailgun-key", "Mailgun key", &["key-", "pubkey-"], r"^((?:pub)?key-[a-f0-9]{32})(?:$|[^a-f0-9])", 4),
    line("mailchimp-key", "Mailchimp API key", &["-us"], r"(?:^|[^0-9a-f])([0-9a-f]{32}-us\d{1,2})(?:$|[^0-9a-z])", Check::Token),
    // --- payment ------------------------------------------------------------------------------------
    tok(
        "stripe-key",
        "Stripe secret or restricted key",
        &["sk_live_", "rk_live_", "sk_test_", "rk_test_", "sk_prod_", "rk_prod_"],
        r"^((?:sk|rk)_(?:live|test|prod)_[0-9a-zA-Z]{10,99})(?:$|[^0-9a-zA-Z])",
        8,
    ),
    tok("square-token", "Square access token", &["EAAA", "sq0atp-", "sq0csp-"], r"^((?:EAAA[\w-]{60})|(?:sq0atp-[0-9A-Za-z\-_]{22})|(?:sq0csp-[0-9A-Za-z\-_]{43}))(?:$|[^\w-])", 4),
    tok("shopify-token", "Shopify token", &["shpat_", "shpss_", "shpca_", "shppa_"], r"^(shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})", 6),
    tok("flutterwave-key", "Flutterwave key", &["FLWSECK_TEST", "FLWPUBK_TEST", "FLWSECK-", "FLWPUBK-"], r"^(FLW(?:SEC|PUB)K(?:_TEST)?-[a-hA-H0-9]{32}-X|FLWSECK_TEST-?[a-hA-H0-9]{12})", 8),
    tok("duffel-token", "Duffel API token", &["duffel_test_", "duffel_live_"], r"^(duffel_(?:test|live)_[\w\-=]{43})", 12),
    tok("easypost-key", "EasyPost API key", &["EZAK", "EZTK"], r"^(EZ[AT]K[a-zA-Z0-9]{54})", 4),
    tok("shippo-token", "Shippo API token", &["shippo_live_", "shippo_test_"], r"^(shippo_(?:live|test)_[a-fA-F0-9]{40})", 12),
    tok("lob-key", "Lob API key", &["live_", "test_"], r"^((?:live|test)_(?:pub_)?[a-f0-9]{31,35})(?:$|[^a-f0-9])", 5),
    tok("plaid-token", "Plaid token", &["access-sandbox-", "access-development-", "access-production-"], r"^(access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", 7),
    tok("gocardless-token", "GoCardless token", &["live_"], r"^(live_[a-zA-Z0-9\-_=]{40})(?:$|[^\w\-=])", 5),
    tok("frameio-token", "Frame.io token", &["fio-u-"], r"^(fio-u-[\w=-]{64})", 6),
    // --- AI -------------------------------------------------------------------------------------------
    tok(
        "openai-key",
        "OpenAI API key",
        &["sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-"],
        r"^(sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200})",
        8,
    ),
    line("openai-key", "OpenAI API key", &["T3BlbkFJ"], r"(?:^|[^\w-])(sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?:$|[^\w-])", Check::Token),
    tok("anthropic-key", "Anthropic API key", &["sk-ant-"], r"^(sk-ant-(?:api03|admin01)-[\w-]{93}AA)(?:$|[^\w-])", 13),
    tok("huggingface-token", "Hugging Face token", &["hf_", "api_org_"], r"^((?:hf_[a-zA-Z]{34})|(?:api_org_[a-zA-Z]{34}))(?:$|[^A-Za-z0-9])", 3),
    tok("perplexity-key", "Perplexity API key", &["pplx-"], r"^(pplx-[a-zA-Z0-9]{48})", 5),
    // --- other SaaS -------------------------------------------------------------------------------------
    tok("grafana-token", "Grafana token", &["glc_", "glsa_", "eyJrIjoi"], r"^((?:glc_[A-Za-z0-9+/]{32,400}={0,3})|(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})|(?:eyJrIjoi[A-Za-z0-9]{70,400}={0,3}))(?:$|[^A-Za-z0-9+/=_])", 4),
    tok("linear-key", "Linear API key", &["lin_api_"], r"^(lin_api_[a-zA-Z0-9]{40})", 8),
    tok("notion-token", "Notion token", &["ntn_", "secret_"], r"^(ntn_[0-9]{11}[A-Za-z0-9]{32}[A-Za-z0-9]{3})(?:$|[^A-Za-z0-9])", 4),
    tok("postman-key", "Postman API key", &["PMAK-"], r"^(PMAK-[a-f0-9]{24}-[a-f0-9]{34})", 5),
    tok("newrelic-key", "New Relic key", &["NRAK-", "NRJS-", "NRII-"], r"^((?:NRAK-[a-z0-9]{27})|(?:NRJS-[a-f0-9]{19})|(?:NRII-[a-z0-9-]{32}))", 5),
    tok("sentry-token", "Sentry token", &["sntrys_", "sntryu_"], r"^((?:sntrys_eyJpYXQiO[A-Za-z0-9+/=]{30,}_[a-zA-Z0-9+/]{43})|(?:sntryu_[a-f0-9]{64}))(?:$|[^A-Za-z0-9+/=_])", 7),
    tok("onepassword-token", "1Password token", &["ops_eyJ", "A3-"], r"^((?:ops_eyJ[a-zA-Z0-9+/]{250,}={0,3})|(?:A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}))", 4),
    tok("planetscale-token", "PlanetScale token", &["pscale_pw_", "pscale_tkn_", "pscale_oauth_"], r"^(pscale_(?:pw|tkn|oauth)_[\w=.-]{32,64})", 7),
    tok("settlemint-token", "SettleMint token", &["sm_pat_", "sm_aat_", "sm_sat_"], r"^(sm_(?:pat|aat|sat)_[a-zA-Z0-9]{16})", 7),
    tok("typeform-token", "Typeform token", &["tfp_"], r"^(tfp_[a-z0-9\-_.=]{59})", 4),
    tok("intra42-secret", "42 intra client secret", &["s-s4t2"], r"^(s-s4t2(?:ud|af)-[abcdef0123456789]{64})", 6),
    tok("authress-key", "Authress access key", &["sc_", "ext_", "scauth_", "authress_"], r"^((?:sc|ext|scauth|authress)_[a-z0-9]{5,30}\.[a-z0-9]{4,6}\.acc[_-][a-z0-9-]{10,32}\.[a-z0-9+/_=-]{30,120})", 3),
    tok("beamer-token", "Beamer API token", &["b_"], r"^(b_[a-z0-9=_\-]{44})(?:$|[^\w=-])", 2),
    tok("facebook-token", "Facebook access token", &["EAAC", "EAAM"], r"^(EAA[MC][a-zA-Z0-9]{100,})", 4),
    tok("dropbox-token", "Dropbox token", &["sl."], r"^(sl\.[a-zA-Z0-9\-=_]{135})", 3),
    tok("cloudflare-origin-ca-key", "Cloudflare origin CA key", &["v1.0-"], r"^(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})", 5),
    tok("clickhouse-key", "ClickHouse Cloud secret key", &["4b1d"], r"^(4b1d[A-Za-z0-9]{38})(?:$|[^A-Za-z0-9])", 4),
    tok("tailscale-key", "Tailscale auth or API key", &["tskey-"], r"^(tskey-(?:auth|client|api|scim|webhook)?-?[A-Za-z0-9]{6,}-[A-Za-z0-9]{16,})", 11),
    tok("k3s-token", "k3s/rke2 cluster token", &["K10"], r"^(K10[0-9a-f]{64}::(?:server|node):[0-9a-zA-Z]{6,})", 3),
    // --- generic shapes -----------------------------------------------------------------------------
    line(
        "jwt",
        "JSON Web Token",
        &["eyJ"],
        r"(?:^|[^A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,}={0,2}\.eyJ[A-Za-z0-9_-]{2,}={0,2}(?:\.[A-Za-z0-9_-]*)?)",
        Check::Jwt,
    ),
    line(
        "jwt",
        "JSON Web Token (base64)",
        &["ZXlK"],
        r"(?:^|[^A-Za-z0-9+/])(ZXlK[A-Za-z0-9+/_-]{40,}={0,2})",
        Check::Jwt,
    ),
    line(
        "basic-auth-header",
        "HTTP Basic credentials",
        &["basic "],
        r#"(?i)authorization["']?\s*[:=]\s*["']?basic\s+([A-Za-z0-9+/]{8,}={0,2})"#,
        Check::Basic,
    ),
    line(
        "bearer-token",
        "HTTP Bearer or token credentials",
        &["bearer ", "token ", "api-token "],
        r#"(?i)(?:authorization|auth|x-auth-token|access-token)["']?\s*[:=]\s*["']?(?:bearer|token|api-token|apikey)\s+([A-Za-z0-9._~+/=-]{16,})"#,
        Check::Token,
    ),
    line(
        "curl-user",
        "curl credentials (`-u user:password`)",
        &["-u", "--user"],
        r#"\bcurl\b.*?\s(?:-u|--user)(?:\s+|=)(?:"([^"\s]+)"|'([^'\s]+)'|([^\s"']+))"#,
        Check::CurlUser,
    ),
    line(
        "url-credentials",
        "URL with a password",
        &["://"],
        r#"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://([^\s:@/'"<>]{0,64}):([^\s@/'"<>]{1,128})@[A-Za-z0-9.\-\[\]_]+"#,
        Check::Url,
    ),
    line(
        "netrc",
        "netrc password",
        &["password"],
        r"(?:^|\s)(?:machine\s+\S+|default)(?:\s+(?:login|account)\s+\S+)*\s+password\s+(\S+)",
        Check::Netrc,
    ),
    line(
        "htpasswd",
        "htpasswd entry",
        &["{PLAIN}", "{SHA}", "$apr1$", "$2y$", "$2a$", "$2b$", "{SSHA}"],
        r"(?m)^[ \t]*([^:\s#]{1,64}):(\{PLAIN\}[^\s]+|\{S?SHA\}[A-Za-z0-9+/]{27,}={0,2}|\$apr1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}|\$2[aby]\$\d\d\$[./0-9A-Za-z]{53})[ \t]*$",
        Check::Htpasswd,
    ),
    Format {
        kind: "nix-access-tokens",
        description: "access-tokens in nix.conf",
        anchors: &["access-tokens"],
        case: false,
        regex: r"(?m)^[ \t]*(?:extra-)?access-tokens[ \t]*=[ \t]*(\S[^\r\n]*)",
        mode: Mode::Line,
        check: Check::NixTokens,
        keep: 0,
        entropy: 0.0,
        rule: rule::ACCESS_TOKENS,
        config_only: true,
    },
    Format {
        kind: "users-groups",
        description: "password field in users-groups.json",
        anchors: &[
            "\"password\"",
            "\"initialPassword\"",
            "\"hashedPassword\"",
            "\"initialHashedPassword\"",
        ],
        case: false,
        regex: r#""(password|initialPassword|hashedPassword|initialHashedPassword)"\s*:\s*"((?:[^"\\]|\\.)*)""#,
        mode: Mode::Line,
        check: Check::UsersGroups,
        keep: 0,
        entropy: 0.0,
        rule: rule::PLAINTEXT_PASSWORD,
        config_only: false,
    },
];
