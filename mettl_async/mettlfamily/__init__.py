"""What Mettl's two APIs share (CertiCHECK and the REST API): query signing and the E-code table."""
