"""Where iTEP's fulfillment API lives and how its requests are signed: all configuration.

The integration document prints neither the endpoint URL, nor the name of the
header that carries the signature, nor the signature's encoding. Each is a
setting (an argument, else an environment variable, else the default here).
"""

ENV_FULFILLMENT_URL = "ITEP_FULFILLMENT_URL"
ENV_API_KEY = "ITEP_API_KEY"
ENV_SIGNATURE_HEADER = "ITEP_SIGNATURE_HEADER"
ENV_SIGNATURE_ENCODING = "ITEP_SIGNATURE_ENCODING"

#: No default URL: the document prints none, and a guessed host would receive candidates' data.
DEFAULT_FULFILLMENT_URL: str | None = None
#: The header's name is not printed either; this one is a neutral guess, meant to be overridden.
DEFAULT_SIGNATURE_HEADER = "X-iTEP-Signature"
#: Lower-case hex: what the online HMAC tools the document recommends print by default.
DEFAULT_SIGNATURE_ENCODING = "hex"
