"""DNS and email-authentication checks: MX, SPF, DMARC, DKIM, PTR, DNSBL, MTA-STS, DANE."""
