"""Every action, block and callback id, in one place."""

# Shortcuts (declared in manifest.yml)
SAVE_TO_KB = "save_to_kb"
ASK_QUESTION = "ask_question"

# Home tab buttons
HOME_ASK = "home_ask"
HOME_TIP = "home_tip"
