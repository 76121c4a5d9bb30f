#pragma once
// Test certificates, made at test time with the OpenSSL API (nothing checked in, nothing
// expires): a CA, a server certificate for "localhost" and 127.0.0.1, a client certificate,
// and an unrelated CA with its own client certificate, for the failure cases.

#include <string>

namespace runnel::testing {

struct TlsTestFiles {
  std::string ca_cert;      // CA "runnel test CA"
  std::string server_cert;  // CN=localhost, SAN DNS:localhost, IP:127.0.0.1; signed by ca
  std::string server_key;
  std::string client_cert;  // CN=test-client; signed by ca
  std::string client_key;
  std::string other_ca_cert;      // an unrelated CA
  std::string other_client_cert;  // CN=intruder; signed by other_ca
  std::string other_client_key;
  std::string garbage;  // a file that is not PEM
};

// Writes the files into `dir` (which must exist). Aborts the test binary on an OpenSSL failure.
TlsTestFiles MakeTlsTestFiles(const std::string& dir);

}  // namespace runnel::testing
