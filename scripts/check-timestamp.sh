#!/usr/bin/env bash
# Checks the RFC 3161 time-stamp in a John School certificate's PDF signature, with poppler and
# openssl only. Usage:
#   bash check-timestamp.sh FILE TSA_CA_FILE [PROGRAM_CA_FILE]
# TSA_CA_FILE: the time-stamping authority's CA certificate (PEM), as its operator publishes it.
# PROGRAM_CA_FILE (optional): the program CA (ca.pem); then the PDF signature itself is also checked,
# offline, with the CRL it carries, at the time the time-stamp gives.
set -euo pipefail
[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: bash check-timestamp.sh FILE TSA_CA_FILE [PROGRAM_CA_FILE]" >&2; exit 2; }
FILE=$1 TSA_CA=$2 PROGRAM_CA=${3:-}
stop() { echo "STOP: $*" >&2; exit 1; }
for tool in pdfsig openssl dd; do command -v "$tool" > /dev/null || stop "$tool is not installed"; done
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cp "$FILE" "$W/c.pdf"
# The signature's CMS, as DER: pdfsig writes it to c.pdf.sig0.
(cd "$W" && pdfsig -dump c.pdf > /dev/null) || stop "pdfsig cannot read the signature"
[ -s "$W/c.pdf.sig0" ] || stop "the PDF carries no signature"
openssl asn1parse -inform DER -in "$W/c.pdf.sig0" > "$W/cms.txt" || stop "the signature is not DER"
# Cut the DER element that an asn1parse line describes (offset, header length, length) out of the CMS.
cut_der() { # LINE OUT [body]
	read -r off hl len < <(sed -E 's/^ *([0-9]+):d=[0-9]+ +hl= *([0-9]+) +l= *([0-9]+).*/\1 \2 \3/' <<< "$1")
	if [ "${3:-}" = body ]; then dd if="$W/c.pdf.sig0" of="$2" bs=1 skip=$((off + hl)) count="$len" status=none
	else dd if="$W/c.pdf.sig0" of="$2" bs=1 skip="$off" count=$((hl + len)) status=none; fi
}
# The signer's unsigned attributes ([1] at depth 5) hold the time-stamp token; the OCTET STRING just
# before them is the signature value the token must cover.
grep -q ':id-smime-aa-timeStampToken' "$W/cms.txt" || stop "the signature carries no time-stamp: it has no independent time"
cut_der "$(grep -B1 'd=5 .*cont \[ 1 \]' "$W/cms.txt" | head -1)" "$W/signature-value.bin" body
cut_der "$(grep -A2 ':id-smime-aa-timeStampToken' "$W/cms.txt" | sed -n 3p)" "$W/token.der"
openssl ts -verify -token_in -in "$W/token.der" -data "$W/signature-value.bin" -CAfile "$TSA_CA" > "$W/verify.txt" 2>&1 \
	|| stop "the time-stamp does not verify against $TSA_CA (or is not over this signature): $(tail -1 "$W/verify.txt")"
WHEN=$(openssl ts -reply -token_in -in "$W/token.der" -token_out -text 2> /dev/null | sed -n 's/^Time stamp: //p')
TSA=$(openssl ts -reply -token_in -in "$W/token.der" -token_out -text 2> /dev/null | sed -n 's/^TSA: //p')
echo "OK  the PDF signature existed at $WHEN (time-stamped by ${TSA:-the TSA}, verified against $TSA_CA)"
[ -n "$PROGRAM_CA" ] || exit 0

# The bytes the PDF signature covers: the two pieces /ByteRange names, joined.
read -r a b c d < <(grep -a -o '/ByteRange \[ *[0-9]* [0-9]* [0-9]* [0-9]* *\]' "$W/c.pdf" | head -1 | tr -dc '0-9 \n' | xargs)
{ dd if="$W/c.pdf" bs=1 skip="$a" count="$b" status=none; dd if="$W/c.pdf" bs=1 skip="$c" count="$d" status=none; } > "$W/signed.bin"
AT=$(date -u -d "$WHEN" +%s) || stop "cannot read the time $WHEN (GNU date needed)"
openssl cms -verify -binary -inform DER -in "$W/c.pdf.sig0" -content "$W/signed.bin" -CAfile "$PROGRAM_CA" -crl_check -attime "$AT" -out /dev/null > "$W/cms-verify.txt" 2>&1 \
	|| stop "the PDF signature does not verify under $PROGRAM_CA with its own CRL at $WHEN: $(tail -1 "$W/cms-verify.txt")"
echo "OK  the PDF signature is valid under $PROGRAM_CA, its signer not revoked by the CRL it carries, at $WHEN"
