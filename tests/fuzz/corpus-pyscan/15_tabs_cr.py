if x:
	revision = "tab"
  	
revision	=	"t"
down_revision = Nonebranch_labels = "cr"