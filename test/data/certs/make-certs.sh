#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Make the test certificates and keys in this folder (DER) with strongSwan's
# pki tool (Debian package strongswan-pki). The output is committed, so the
# tests do not need pki; run this again only to change the set.
#
#   ECDSA P-256:  ca (root) -> int (intermediate) -> gw.test, dev.test
#                 ca -> expired.test (valid 2020-2021 only)
#                 int -> nosig.test (key usage cRLSign only: no digitalSignature)
#                 other-ca (an unrelated root) -> stranger.test
#   ECDSA P-384:  ca -> int -> p384.test
#   RSA-3072:     rsa-ca (root) -> rsa-gw.test (SHA-256, PKCS#1 v1.5)
#                 rsa-ca -> rsa-int (intermediate) -> rsa-dev.test, rsa-vpn.test
#
# Every certificate except expired.test is valid from 2026-01-01 to 2036-01-01.
set -euo pipefail
cd "$(dirname "$0")"
command -v pki >/dev/null || { echo "pki not found (apt-get install strongswan-pki)" >&2; exit 1; }
P() { pki "$@" 2>/dev/null; }
D=(--dateform "%Y-%m-%d" --not-before 2026-01-01 --not-after 2036-01-01 --outform der)

P --gen --type ecdsa --size 256 --outform der >ca.key
P --self --ca --in ca.key --type ecdsa --dn "C=CH, O=tinyipsec test, CN=Test Root CA" "${D[@]}" >ca.der
P --gen --type ecdsa --size 256 --outform der >int.key
P --pub --in int.key --type ecdsa | P --issue --cacert ca.der --cakey ca.key --ca \
    --dn "C=CH, O=tinyipsec test, CN=Test Intermediate CA" "${D[@]}" >int.der
for n in gw dev; do
    P --gen --type ecdsa --size 256 --outform der >"$n.key"
    P --pub --in "$n.key" --type ecdsa | P --issue --cacert int.der --cakey int.key \
        --dn "C=CH, O=tinyipsec test, CN=$n.test" --san "$n.test" --san "$n@test" \
        --san 192.0.2.$([ "$n" = gw ] && echo 1 || echo 2) "${D[@]}" >"$n.der"
done
P --gen --type ecdsa --size 384 --outform der >p384.key
P --pub --in p384.key --type ecdsa | P --issue --cacert int.der --cakey int.key --digest sha384 \
    --dn "C=CH, O=tinyipsec test, CN=p384.test" --san p384.test "${D[@]}" >p384.der
P --gen --type ecdsa --size 256 --outform der >expired.key
P --pub --in expired.key --type ecdsa | P --issue --cacert ca.der --cakey ca.key \
    --dn "C=CH, O=tinyipsec test, CN=expired.test" --san expired.test --dateform "%Y-%m-%d" \
    --not-before 2020-01-01 --not-after 2021-01-01 --outform der >expired.der
P --gen --type ecdsa --size 256 --outform der >nosig.key
P --pub --in nosig.key --type ecdsa | P --issue --cacert int.der --cakey int.key --flag crlSign \
    --dn "C=CH, O=tinyipsec test, CN=nosig.test" --san nosig.test "${D[@]}" >nosig.der
P --gen --type ecdsa --size 256 --outform der >other-ca.key
P --self --ca --in other-ca.key --type ecdsa --dn "C=CH, O=elsewhere, CN=Other Root CA" "${D[@]}" >other-ca.der
P --gen --type ecdsa --size 256 --outform der >stranger.key
P --pub --in stranger.key --type ecdsa | P --issue --cacert other-ca.der --cakey other-ca.key \
    --dn "C=CH, O=elsewhere, CN=gw.test" --san gw.test "${D[@]}" >stranger.der
P --gen --type rsa --size 3072 --outform der >rsa-ca.key
P --self --ca --in rsa-ca.key --type rsa --dn "C=CH, O=tinyipsec test, CN=Test RSA Root CA" "${D[@]}" >rsa-ca.der
P --gen --type rsa --size 3072 --outform der >rsa-gw.key
P --pub --in rsa-gw.key --type rsa | P --issue --cacert rsa-ca.der --cakey rsa-ca.key \
    --dn "C=CH, O=tinyipsec test, CN=rsa-gw.test" --san rsa-gw.test "${D[@]}" >rsa-gw.der
P --gen --type rsa --size 3072 --outform der >rsa-int.key
P --pub --in rsa-int.key --type rsa | P --issue --cacert rsa-ca.der --cakey rsa-ca.key --ca \
    --dn "C=CH, O=tinyipsec test, CN=Test RSA Intermediate CA" "${D[@]}" >rsa-int.der
for n in rsa-dev rsa-vpn; do
    P --gen --type rsa --size 3072 --outform der >"$n.key"
    P --pub --in "$n.key" --type rsa | P --issue --cacert rsa-int.der --cakey rsa-int.key \
        --dn "C=CH, O=tinyipsec test, CN=$n.test" --san "$n.test" "${D[@]}" >"$n.der"
done

# Known answers made by another implementation (OpenSSL): signatures over
# kat.msg by gw.key (ECDSA P-256, SHA-256, DER), p384.key (ECDSA P-384,
# SHA-384), rsa-gw.key (PKCS#1 v1.5 and PSS with a 32-byte salt, SHA-256) and
# rsa-dev.key (PKCS#1 v1.5, SHA-256: the two-certificate RSA chain that
# test/target/cert_measure.c verifies).
printf 'tinyipsec known-answer message\n' >kat.msg
openssl dgst -sha256 -keyform DER -sign gw.key -out kat-gw.sig kat.msg
openssl dgst -sha384 -keyform DER -sign p384.key -out kat-p384.sig kat.msg
openssl dgst -sha256 -keyform DER -sign rsa-gw.key -out kat-rsa.sig kat.msg
openssl dgst -sha256 -keyform DER -sign rsa-gw.key -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:32 -out kat-rsa-pss.sig kat.msg
openssl dgst -sha256 -keyform DER -sign rsa-dev.key -out kat-rsa-dev.sig kat.msg
ls -l ./*.der ./*.key | awk '{print $5, $9}'
