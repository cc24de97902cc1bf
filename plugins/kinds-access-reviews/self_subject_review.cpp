#include "self_subject_review.hpp"

namespace capstan::access_reviews {

void write_status(const sdk::UserInfo& user, capstan::authentication::v1::SelfSubjectReviewStatus::Builder status) {
  auto u = status.initUserInfo();
  u.setUsername(user.name);
  u.setUid(user.uid);
  auto groups = u.initGroups(static_cast<unsigned>(user.groups.size()));
  for (unsigned i = 0; i < user.groups.size(); ++i) groups.set(i, user.groups[i]);
  auto extra = u.initExtra(static_cast<unsigned>(user.extra.size()));
  for (unsigned i = 0; i < user.extra.size(); ++i) {
    extra[i].setKey(user.extra[i].first);
    auto values = extra[i].initValue(static_cast<unsigned>(user.extra[i].second.size()));
    for (unsigned j = 0; j < user.extra[i].second.size(); ++j) values.set(j, user.extra[i].second[j]);
  }
}

}  // namespace capstan::access_reviews
