#!/bin/sh
set -eu
	doc.Security.KeySize = PdfEncryptionKeySize.Key128Bit;
exec /usr/bin/billing
