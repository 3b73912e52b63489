"""consentgen: informed-consent forms for hospitals, in every language their patients speak."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("consentgen")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
