"""`python -m consentgen`."""

from consentgen.cli import main

main()
