"""Role names and party-organisation kinds, defined once for the whole product."""
CANDIDATE = "candidate"
ORGANIZER = "organizer"
ADMIN = "admin"
VIEWER = "viewer"

ROLE_LABELS = {CANDIDATE: "考生", ORGANIZER: "组织者", ADMIN: "管理员", VIEWER: "查看者"}
ROLES = tuple(ROLE_LABELS)

# Organisers and admins run the system; both may do what an organiser does.
STAFF = (ORGANIZER, ADMIN)
# Roles whose sessions end after the configured idle time.
IDLE_LIMITED = (ORGANIZER, ADMIN)

ORG_KINDS = ("机关部门", "乡镇街道", "园区", "国企", "学校医院", "村社区", "其他")
