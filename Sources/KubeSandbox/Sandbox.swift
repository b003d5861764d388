import CNPGCore
