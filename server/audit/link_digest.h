// The body digest of a ChainLink: what lets a verifier recompute a link's
// hash (ChainHash(prev_hash, body_sha256)) without the record's content.
// forge.exec.v1.ChainLink carries it in a `body_sha256` field when the API
// defines one; these helpers read and write that field when it exists and
// are no-ops otherwise (a verifier then counts the link as unverifiable).
#ifndef FORGE_SERVER_AUDIT_LINK_DIGEST_H_
#define FORGE_SERVER_AUDIT_LINK_DIGEST_H_

#include <string>

namespace forge::audit {

template <typename Link>
std::string LinkBodyDigest(const Link& link) {
  if constexpr (requires { link.body_sha256(); }) {
    return std::string(link.body_sha256());
  } else {
    return std::string();
  }
}

template <typename Link>
void SetLinkBodyDigest(const std::string& digest, Link* link) {
  if constexpr (requires { link->set_body_sha256(digest); }) {
    link->set_body_sha256(digest);
  }
}

// Whether Link carries body digests (and so packs are fully re-hashable).
template <typename Link>
constexpr bool LinksCarryBodyDigest() {
  return requires(const Link& link) { link.body_sha256(); };
}

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_LINK_DIGEST_H_
