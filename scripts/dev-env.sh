# The development defaults of local runs (`make run`, `make split`), in one place: source it. The code itself has
# no default for a secret, and refuses these outside Development (SettingParsers: "dev-only" is a placeholder). The
# operator's environment wins: `JWT_ACCESS_SECRET=... make run` uses that value.
export NODE_ENV="${NODE_ENV:-development}"
export JWT_ACCESS_SECRET="${JWT_ACCESS_SECRET:-dev-only-access-secret-0123456789abcdef}"
export JWT_REFRESH_SECRET="${JWT_REFRESH_SECRET:-dev-only-refresh-secret-0123456789abcdef}"
export MESSAGE_ENCRYPTION_KEY="${MESSAGE_ENCRYPTION_KEY:-dev-only-message-key-0123456789abcdef}"
export MAIL_DIR="${MAIL_DIR:-${DATA_DIR:-$(pwd)/.data}/mail}"
