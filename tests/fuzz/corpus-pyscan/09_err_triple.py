revision = """never closed
