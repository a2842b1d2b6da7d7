"""Where CertiCHECK lives and which environment variables configure it."""

DEFAULT_BASE_URL = "https://certification.mettl.com/api/v2"
ENV_SUBDOMAIN = "METTL_SUBDOMAIN"
ENV_BASE_URL = "METTL_BASE_URL"
