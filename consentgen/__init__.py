"""consentgen: informed-consent forms for hospitals, in every language their patients speak."""

import warnings
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("consentgen")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

# pyHanko imports DSA support that cryptography 51 deprecates; consentgen never uses DSA, and a
# library's deprecation notice on every verify or build is noise to the person running it.
warnings.filterwarnings("ignore", message="DSA is deprecated")
