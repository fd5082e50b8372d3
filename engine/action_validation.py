"""The check of each action server answer, with its validator built once.

Rasa 3.6 checks every answer of the action server against a JSON schema by calling
`jsonschema.validate`, which first checks the schema itself against the JSON Schema
meta-schema and builds a new validator: 14 ms per action on this machine, and about 40 % of a
replica's time per message (py-spy on the production mode under load, see the README). The
same schema is checked here by a validator built once (0.6 ms). An answer that fails goes
through Rasa's own code, so the error and its message stay Rasa's.
"""

from typing import Any, Dict

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction


def install() -> None:
    if getattr(RemoteAction._validate_action_result, "built_once", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    rasa_check = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        try:
            validator.validate(result)
        except ValidationError:
            return rasa_check(self, result)  # raises, with Rasa's message
        return True

    _validate_action_result.built_once = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result
