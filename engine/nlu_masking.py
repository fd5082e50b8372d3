"""First step of the NLU pipeline: personal numbers are masked before anything reads them.

A social security number, IBAN, phone or e-mail typed by a citizen never reaches the
featurizers, the entity extractor, the actions or the logs, and no longer confuses the
intent classifier. The masking itself is bot.privacy.redact (pure standard library).
"""

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.privacy import redact


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class PersonalNumberMasker(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "PersonalNumberMasker":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                message.set(TEXT, redact(text))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
