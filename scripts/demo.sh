#!/usr/bin/env bash
# What `make run` shows until the assistant's servers exist: the agents' lookup on the demo
# territory, one need per theme, at the current time.
set -euo pipefail
cd "$(dirname "$0")/.."
for need in "demande de retraite" "carte grise" "carte vitale" "APL" "pole emploi" "RSA" "impots" "conciliateur" "aide d'urgence" "démarche en ligne"; do
  printf '\n\033[1m$ repere lookup "%s" --commune Mayet\033[0m\n' "$need"
  .venv/bin/repere lookup "$need" --commune Mayet --seances 2
done
cat <<MSG

Repère est installé et ses connaissances sont chargées ($REPERE_DB).
Essayez : .venv/bin/repere lookup "carte d'identité" --commune Sarcé
          .venv/bin/repere planning --lieu mairie-mayet --du $(date +%F) --au $(date -d '+2 months' +%F)
          .venv/bin/repere check knowledge --regles
L'assistant conversationnel (Rasa), la console et le widget arrivent avec les prochaines étapes.
MSG
