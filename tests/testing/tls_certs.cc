#include "tests/testing/tls_certs.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace runnel::testing {

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tls_certs: %s failed\n", what);
    std::abort();
  }
}

struct Issued {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  Check(ext != nullptr, "X509V3_EXT_conf_nid");
  Check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

// A certificate for `cn`: self-signed when `issuer` is null, a CA when `is_ca`.
Issued MakeCert(const char* cn, const Issued* issuer, bool is_ca, const char* san) {
  static long serial = 1000;
  Issued out;
  out.key = EVP_EC_gen("P-256");
  Check(out.key != nullptr, "EVP_EC_gen");
  X509* x = X509_new();
  out.cert = x;
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600);
  X509_set_pubkey(x, out.key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("runnel tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert : x;
  X509_set_issuer_name(x, X509_get_subject_name(issuer_cert));
  if (is_ca) {
    AddExtension(x, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(x, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(x, issuer_cert, NID_basic_constraints, "CA:FALSE");
    AddExtension(x, issuer_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    AddExtension(x, issuer_cert, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  if (san != nullptr) {
    AddExtension(x, issuer_cert, NID_subject_alt_name, san);
  }
  Check(X509_sign(x, issuer ? issuer->key : out.key, EVP_sha256()) > 0, "X509_sign");
  return out;
}

void WriteCert(const Issued& issued, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  Check(f != nullptr, "fopen cert");
  Check(PEM_write_X509(f, issued.cert) == 1, "PEM_write_X509");
  std::fclose(f);
}

void WriteKey(const Issued& issued, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  Check(f != nullptr, "fopen key");
  Check(PEM_write_PrivateKey(f, issued.key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_PrivateKey");
  std::fclose(f);
}

void Free(Issued& issued) {
  X509_free(issued.cert);
  EVP_PKEY_free(issued.key);
}

}  // namespace

TlsTestFiles MakeTlsTestFiles(const std::string& dir) {
  TlsTestFiles f;
  f.ca_cert = dir + "/ca.pem";
  f.server_cert = dir + "/server.pem";
  f.server_key = dir + "/server.key";
  f.client_cert = dir + "/client.pem";
  f.client_key = dir + "/client.key";
  f.other_ca_cert = dir + "/other_ca.pem";
  f.other_client_cert = dir + "/other_client.pem";
  f.other_client_key = dir + "/other_client.key";
  f.garbage = dir + "/garbage.pem";

  Issued ca = MakeCert("runnel test CA", nullptr, true, nullptr);
  Issued server = MakeCert("localhost", &ca, false, "DNS:localhost,IP:127.0.0.1");
  Issued client = MakeCert("test-client", &ca, false, nullptr);
  Issued other_ca = MakeCert("other test CA", nullptr, true, nullptr);
  Issued other_client = MakeCert("intruder", &other_ca, false, nullptr);
  WriteCert(ca, f.ca_cert);
  WriteCert(server, f.server_cert);
  WriteKey(server, f.server_key);
  WriteCert(client, f.client_cert);
  WriteKey(client, f.client_key);
  WriteCert(other_ca, f.other_ca_cert);
  WriteCert(other_client, f.other_client_cert);
  WriteKey(other_client, f.other_client_key);
  for (Issued* i : {&ca, &server, &client, &other_ca, &other_client}) {
    Free(*i);
  }
  FILE* g = std::fopen(f.garbage.c_str(), "w");
  Check(g != nullptr, "fopen garbage");
  std::fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n", g);
  std::fclose(g);
  return f;
}

}  // namespace runnel::testing
