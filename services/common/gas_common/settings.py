"""Every GAS_* setting, typed, read from the environment (this module is the list)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that must never reach production: they are in docs and examples.
PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev", "local-dev-secret", "xxx"}

SERVICES = ("web", "annotator", "archiver", "thawer", "notifier")


class SettingsError(RuntimeError):
    """A setting is missing or unsafe; the service must not start."""


class Settings(BaseSettings):
    """GAS configuration; each field is read from GAS_<FIELD NAME IN CAPITALS>."""

    model_config = SettingsConfigDict(env_prefix="GAS_", extra="ignore", frozen=True)

    # --- mode and AWS -------------------------------------------------------------------
    env: Literal["local", "production"] = Field(
        "production",
        description="`local` allows the local sign-in and development secrets; "
        "anything else is production",
    )
    aws_region: str = Field("us-east-1", description="AWS region of every resource")
    aws_endpoint_url: str = Field(
        "", description="AWS emulator URL (moto), e.g. http://127.0.0.1:4566; empty = real AWS"
    )
    key_prefix: str = Field("", description="Prefix put in front of every S3 key")
    inputs_bucket: str = Field("gas-inputs", description="S3 bucket for uploaded VCFs")
    results_bucket: str = Field("gas-results", description="S3 bucket for results")
    archive_bucket: str = Field(
        "gas-archive", description="S3 bucket for cold copies (s3-glacier back end)"
    )
    jobs_table: str = Field("gas-annotations", description="DynamoDB table of jobs")
    users_table: str = Field("gas-users", description="DynamoDB table of users")
    job_requests_topic: str = Field("gas-job-requests", description="SNS topic name")
    job_results_topic: str = Field("gas-job-results", description="SNS topic name")
    thaw_requests_topic: str = Field("gas-thaw-requests", description="SNS topic name")
    restore_results_topic: str = Field("gas-restore-results", description="SNS topic name")

    # --- SNS endpoints ------------------------------------------------------------------
    sns_verify_signature: bool = Field(
        True, description="Verify SNS message signatures (SignatureVersion 1 and 2)"
    )
    sns_basic_auth: bool = Field(
        True, description="Require the shared secret as HTTP basic auth on SNS endpoints"
    )
    sns_username: str = Field("gas", description="Basic-auth user name in subscription URLs")
    sns_shared_secret: str = Field(
        "", description="Basic-auth password in subscription URLs (secret)"
    )
    sns_max_age_seconds: int = Field(
        3600, description="SNS messages whose Timestamp is further than this from now "
        "are refused (replays)"
    )

    # --- where services listen and are reached -----------------------------------------
    host: str = Field("127.0.0.1", description="Address services bind to")
    web_port: int = Field(8080, description="Port of the web service")
    annotator_port: int = Field(8081, description="Port of the annotator")
    archiver_port: int = Field(8082, description="Port of the archiver")
    thawer_port: int = Field(8083, description="Port of the thawer")
    notifier_port: int = Field(8084, description="Port of the notifier")
    emulator_port: int = Field(4566, description="Port of the embedded moto server")
    public_url: str = Field(
        "http://127.0.0.1:8080", description="URL users reach the web UI at (links in email)"
    )
    annotator_url: str = Field(
        "http://127.0.0.1:8081", description="Base URL SNS delivers annotator messages to"
    )
    archiver_url: str = Field("http://127.0.0.1:8082", description="Base URL of the archiver")
    thawer_url: str = Field("http://127.0.0.1:8083", description="Base URL of the thawer")
    notifier_url: str = Field("http://127.0.0.1:8084", description="Base URL of the notifier")
    gunicorn_workers: int = Field(1, description="Gunicorn worker processes per service")
    gunicorn_threads: int = Field(8, description="Gunicorn threads per worker")
    gunicorn_timeout: int = Field(60, description="Gunicorn request timeout, seconds")
    state_dir: str = Field(
        ".gas", description="Where `gas up` keeps pids, logs and the emulator's data "
        "(`data/`, kept across restarts; `gas up --fresh` starts empty)"
    )
    snapshot_seconds: float = Field(
        5, description="How often `gas up`'s emulator saves its tables and buckets under "
        "GAS_STATE_DIR (also when it stops; 0 = never: data ends with the stack)"
    )
    log_level: str = Field("INFO", description="Log level")

    # --- web ----------------------------------------------------------------------------
    secret_key: str = Field("", description="Flask session signing key (secret)")
    globus_client_id: str = Field("", description="Globus Auth client id")
    globus_client_secret: str = Field("", description="Globus Auth client secret (secret)")
    free_upload_limit_bytes: int = Field(
        150 * 1024, description="Largest upload for free users"
    )
    premium_upload_limit_bytes: int = Field(
        1024**3, description="Largest upload for premium users"
    )
    presigned_url_seconds: int = Field(
        300, description="Lifetime of presigned upload/download URLs"
    )
    table_cache_dir: str = Field(
        "", description="Local disk cache of jobs' results tables (empty: a gas-table-cache "
        "folder in the system temporary directory)"
    )
    table_cache_bytes: int = Field(
        2 * 1024**3, description="Size of that cache; least recently used tables go first"
    )
    table_query_memory: str = Field(
        "128MB", description="Memory limit of one web process's DuckDB (results tables)"
    )
    local_signin: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Local sign-in (name + email, no password): `auto` = on only when "
        "GAS_ENV=local; `on` outside local mode refuses to start",
    )

    # --- annotator ----------------------------------------------------------------------
    annotator_workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1, description="Parallel annotation jobs"
    )
    job_timeout_seconds: int = Field(3600, description="Wall-time limit of one job")
    max_input_bytes: int = Field(2 * 1024**3, description="Largest input the annotator takes")
    job_lease_seconds: int = Field(
        60, description="A RUNNING job not renewed for this long is re-driven"
    )
    reconcile_interval_seconds: int = Field(
        30, description="How often reconcilers look for stuck work"
    )
    reference: str = Field("grch38", description="Reference bundle name or path")
    reference_dir: str = Field(
        "~/.local/share/gas/reference", description="Where reference bundles are installed"
    )
    reference_auto: bool = Field(
        True, description="Annotate each input with the installed bundle of its build "
        "(GAS_REFERENCE when the build cannot be told); false: always GAS_REFERENCE"
    )
    job_max_attempts: int = Field(
        3, description="Claims of one job (worker died, lease lost) before it is marked FAILED"
    )
    job_pending_grace_seconds: int = Field(
        60, description="A job PENDING longer than this is re-driven (its message was lost)"
    )
    job_progress_seconds: float = Field(
        5, description="How often a running job records progress and renews its lease"
    )
    job_drain_seconds: float = Field(
        8, description="On SIGTERM, how long running jobs may finish before they are released"
    )
    free_max_expanded_bytes: int = Field(
        64 * 1024**2, description="Free users: a job whose input decompresses to more than "
        "this fails at once"
    )
    premium_max_expanded_bytes: int = Field(
        16 * 1024**3, description="Premium users: the same bound on the decompressed input"
    )
    free_max_header_bytes: int = Field(
        4 * 1024**2, description="Free users: largest VCF header (the ## and #CHROM lines)"
    )
    premium_max_header_bytes: int = Field(
        64 * 1024**2, description="Premium users: largest VCF header"
    )
    free_max_output_bytes: int = Field(
        256 * 1024**2, description="Free users: largest annotated VCF a job may write"
    )
    premium_max_output_bytes: int = Field(
        48 * 1024**3, description="Premium users: largest annotated VCF a job may write"
    )
    free_max_active_jobs: int = Field(
        10, description="Free users: most jobs waiting or running at once; the web and the "
        "API refuse more"
    )
    premium_max_active_jobs: int = Field(
        100, description="Premium users: most jobs waiting or running at once"
    )
    annotator_throttle_seconds: float = Field(
        0, description="Test aid: pause after every 1,000 variants (ignored unless GAS_ENV=local)"
    )

    # --- archive and restore ------------------------------------------------------------
    free_retention_seconds: int = Field(
        300, description="How long free users' results stay hot after completion"
    )
    cold_storage: Literal["s3-glacier", "glacier-vault"] = Field(
        "s3-glacier", description="Cold storage back end"
    )
    cold_storage_class: Literal["DEEP_ARCHIVE", "GLACIER"] = Field(
        "DEEP_ARCHIVE", description="Storage class of cold copies (s3-glacier back end)"
    )
    glacier_vault: str = Field("gas-archive", description="Glacier vault (glacier-vault back end)")
    archive_poll_seconds: int = Field(5, description="How often due archives are looked for")
    restore_poll_seconds: int = Field(5, description="How often restores in progress are polled")
    archive_lease_seconds: int = Field(
        120, description="An archive or restore claim not finished in this long is re-driven"
    )

    # --- notifier -----------------------------------------------------------------------
    mail_sender: str = Field("gas@example.org", description="From address of GAS email")
    mail_backend: Literal["ses", "smtp"] = Field("ses", description="How email is sent")
    smtp_host: str = Field("localhost", description="SMTP server (smtp back end)")
    smtp_port: int = Field(587, description="SMTP port")
    smtp_starttls: bool = Field(True, description="Use STARTTLS with SMTP")
    smtp_username: str = Field("", description="SMTP user name")
    smtp_password: str = Field("", description="SMTP password (secret)")
    notify_attempts: int = Field(
        4, description="Tries to send one email before it is logged as failed"
    )
    notify_retry_seconds: float = Field(
        2, description="Wait before the first retry of a failed send; doubles each time"
    )
    notify_claim_seconds: int = Field(
        300, description="An email claimed but not marked sent in this long may be sent again"
    )
    notify_catchup_seconds: int = Field(
        86400, description="Jobs finished or restored this recently whose message never "
        "reached the notifier are emailed by its reconciler (0 = off)"
    )

    def require(self, *names: str) -> None:
        """Fail fast when a setting this process needs is missing or a placeholder secret.

        In local mode empty secrets are allowed (`gas up` makes fresh ones per run).
        """
        for name in names:
            value = str(getattr(self, name))
            secret = name.endswith(("secret", "key", "password"))
            if self.local and secret:
                continue
            if not value or (secret and value.lower() in PLACEHOLDER_SECRETS):
                raise SettingsError(f"GAS_{name.upper()} must be set to a real value")

    def require_sns_auth(self) -> None:
        """Fail fast unless SNS endpoints can authenticate what they receive."""
        if not (self.sns_basic_auth or self.sns_verify_signature):
            raise SettingsError("enable GAS_SNS_VERIFY_SIGNATURE or GAS_SNS_BASIC_AUTH")
        if self.sns_basic_auth:
            self.require("sns_shared_secret")

    @property
    def local(self) -> bool:
        return self.env == "local"

    def port_of(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))

    def url_of(self, service: str) -> str:
        return self.public_url if service == "web" else str(getattr(self, f"{service}_url"))


def env_names() -> list[str]:
    """Every GAS_* variable, in declaration order."""
    return [f"GAS_{name.upper()}" for name in Settings.model_fields]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process (read once); raises SettingsError on bad config."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"GAS_{'.'.join(map(str, e['loc'])).upper() or 'SETTINGS'}: {e['msg']}"
            for e in exc.errors()
        )
        raise SettingsError(problems) from None
