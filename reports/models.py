# reports only reads other apps' tables; it has no models of its own.
