"""The pages that compose several domains. Only this app may import every domain; nothing
imports it."""
