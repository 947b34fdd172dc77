"""OCR: reading text in images with tesseract, the Hangul re-read, the text gate, CER."""
